import assert from 'node:assert/strict';
import { isLupineError } from '../../src/core/index.js';

/** Asserts that `fn` throws (or rejects with) a LupineError with this code; returns the error. */
export async function assertCode(fn: () => unknown, code: string): Promise<Error> {
  try {
    await fn();
  } catch (err) {
    if (!isLupineError(err))
      throw new assert.AssertionError({ message: `expected LupineError ${code}, got ${String(err)}`, actual: err });
    assert.equal(err.code, code, `expected error code ${code}, got ${err.code}: ${err.message}`);
    return err;
  }
  assert.fail(`expected LupineError ${code}, but nothing was thrown`);
}

export function assertCodeSync(fn: () => unknown, code: string): Error {
  try {
    fn();
  } catch (err) {
    if (!isLupineError(err))
      throw new assert.AssertionError({ message: `expected LupineError ${code}, got ${String(err)}`, actual: err });
    assert.equal(err.code, code, `expected error code ${code}, got ${err.code}: ${err.message}`);
    return err;
  }
  assert.fail(`expected LupineError ${code}, but nothing was thrown`);
}
