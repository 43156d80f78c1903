import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { LupineError } from '../../../src/core/index.js';
import { keyReadFailure, keyringOf, readKeyFiles } from '../../../src/repo/index.js';
import { assertCode } from '../../helpers/assert-code.js';
import { vector } from '../../helpers/paths.js';

const MELANGE = 'melange.rsa.pub';
const TEST = 'test-rsa256.rsa.pub';

describe('readKeyFiles: the one keyring reader (apk --keys-dir, image and package keyrings)', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'lupine-keyring-'));
    mkdirSync(join(dir, 'a'));
    mkdirSync(join(dir, 'b'));
    copyFileSync(vector(`apk/${MELANGE}`), join(dir, 'a', MELANGE));
    copyFileSync(vector(`apk/${TEST}`), join(dir, 'a', TEST));
    copyFileSync(vector(`apk/${TEST}`), join(dir, 'b', MELANGE));
    writeFileSync(join(dir, 'a', 'notes.txt'), 'not a key');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('a directory gives its keys by suffix, in name order; a file is one key named by its basename', async () => {
    const keys = await readKeyFiles(['a', `file://${join(dir, 'b', MELANGE)}`], {
      cwd: dir,
      directorySuffix: '.rsa.pub',
      keep: 'all',
    });
    assert.deepEqual(
      keys.map((k) => [k.name, k.written]),
      [
        [MELANGE, join('a', MELANGE)],
        [TEST, join('a', TEST)],
        [MELANGE, `file://${join(dir, 'b', MELANGE)}`],
      ],
    );
  });

  test('one name twice: the first (apk) or the last (apko, melange) is kept', async () => {
    const specs = [join(dir, 'a'), join(dir, 'b')];
    const first = await readKeyFiles(specs, { directorySuffix: '.rsa.pub', keep: 'first' });
    const last = await readKeyFiles(specs, { directorySuffix: '.rsa.pub', keep: 'last' });
    const pem = (ks: typeof first) => ks.find((k) => k.name === MELANGE)?.pem;
    assert.deepEqual(pem(first), readFileSync(vector(`apk/${MELANGE}`)));
    assert.deepEqual(pem(last), readFileSync(vector(`apk/${TEST}`)));
    assert.equal(keyringOf(first).size, 2);
  });

  test('inline keys are taken as given; a missing path is skipped only when asked', async () => {
    const inline = { name: 'inline.rsa.pub', content: readFileSync(vector(`apk/${TEST}`), 'utf8') };
    const keys = await readKeyFiles([inline, join(dir, 'none')], { keep: 'last', skipMissing: true });
    assert.deepEqual(
      keys.map((k) => k.name),
      ['inline.rsa.pub'],
    );
    await assertCode(() => readKeyFiles([join(dir, 'none')], { keep: 'last', failure: keyReadFailure() }), 'IO_ERROR');
  });

  test("a failure is the caller's error; a URL without a fetcher is refused; a bad key is APK_BAD_KEY", async () => {
    const failure = (k: string) => new LupineError('IMAGE_BAD_KEY', k);
    await assertCode(() => readKeyFiles(['https://127.0.0.1:1/k.rsa.pub'], { keep: 'all', failure }), 'IMAGE_BAD_KEY');
    await assertCode(() => readKeyFiles([join(dir, 'a')], { keep: 'all', failure }), 'IMAGE_BAD_KEY');
    const bad = await readKeyFiles([join(dir, 'a', 'notes.txt')], { keep: 'all' });
    await assertCode(() => keyringOf(bad), 'APK_BAD_KEY');
  });
});
