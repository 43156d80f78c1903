/** A work directory laid out for apko's golden config (the image publish tests). */
import { mkdirSync, mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { vector } from './paths.js';

/** A new temporary directory with `apko.yaml` and `testdata/packages` (+ its key) linked from the golden vectors, and an empty `home`. */
export function goldenWorkDir(prefix: string): string {
  const golden = vector('apko', 'golden-testdata');
  const work = mkdtempSync(join(tmpdir(), prefix));
  mkdirSync(join(work, 'home'));
  mkdirSync(join(work, 'testdata'));
  symlinkSync(join(golden, 'apko.yaml'), join(work, 'apko.yaml'));
  symlinkSync(join(golden, 'packages'), join(work, 'testdata', 'packages'));
  symlinkSync(join(golden, 'packages', 'melange.rsa.pub'), join(work, 'testdata', 'melange.rsa.pub'));
  return work;
}
