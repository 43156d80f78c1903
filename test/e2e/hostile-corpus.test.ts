/**
 * The hostile-package corpus (test/helpers/hostile-corpus.ts): each case is refused with its code by
 * `lupine verify` and/or `lupine apk add ./FILE`, the root and a sentinel directory outside it
 * unchanged, and never as an internal error.
 */
import assert from 'node:assert/strict';
import { lstatSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { generateRsaKeyPair, parsePrivateKey } from '../../src/apk/index.js';
import { runCli } from '../helpers/cli.js';
import { CORPUS, type CorpusContext } from '../helpers/hostile-corpus.js';
import { hashTree, tempRoot } from '../unit/install/fixtures.js';

describe('hostile-package corpus', () => {
  const base = tempRoot('corpus');
  const keys = join(base, 'keys');
  const outside = join(base, 'outside');
  const root = join(base, 'root');
  const files = join(base, 'files');
  let ctx: CorpusContext;

  before(async () => {
    for (const d of [keys, outside, root, files]) mkdirSync(d);
    writeFileSync(join(outside, 'host-file'), 'must not change\n');
    const [trusted, other] = await Promise.all([generateRsaKeyPair(2048), generateRsaKeyPair(2048)]);
    writeFileSync(join(keys, 'corpus.rsa.pub'), trusted.publicPem);
    ctx = {
      key: { key: parsePrivateKey(trusted.privatePem, 'corpus.rsa'), keyName: 'corpus.rsa.pub' },
      otherKey: { key: parsePrivateKey(other.privatePem, 'other.rsa'), keyName: 'other.rsa.pub' },
      outside,
    };
    const init = await runCli(['apk', '--root', root, '--initdb', '--keys-dir', keys, 'add']);
    assert.equal(init.code, 0, init.stderr);
  });
  after(() => rmSync(base, { recursive: true, force: true }));

  it('holds at least 45 cases, each named once', () => {
    assert.ok(CORPUS.length >= 45, `${CORPUS.length} cases`);
    assert.equal(new Set(CORPUS.map((c) => c.name)).size, CORPUS.length);
  });

  CORPUS.forEach((c, i) => {
    it(`${c.name}: ${c.code} (${c.via})`, async () => {
      const built = await c.build(ctx);
      let path: string;
      if (typeof built === 'string') path = built;
      else {
        path = join(files, `case-${i}.apk`);
        writeFileSync(path, built);
      }
      const outsideBefore = hashTree(outside);
      if (c.via === 'verify' || c.via === 'both') {
        const r = await runCli(['verify', '--keys-dir', keys, path]);
        assert.equal(r.code, 1, r.stdout + r.stderr);
        assert.match(r.stdout, new RegExp(`\\[${c.code}\\]\\n$`), r.stdout);
      }
      if (c.via === 'contained') {
        const r = await runCli(['apk', '--root', root, '--keys-dir', keys, 'add', path]);
        assert.doesNotMatch(r.stderr, /internal error/);
        for (const f of ['installed', 'triggers']) {
          assert.ok(!lstatSync(join(root, 'lib/apk/db', f)).isSymbolicLink(), `lib/apk/db/${f} is ours`);
        }
      } else if (c.via !== 'verify') {
        const before = hashTree(root);
        const r = await runCli(['apk', '--root', root, '--keys-dir', keys, 'add', path]);
        assert.notEqual(r.code, 0, r.stdout);
        assert.match(r.stderr, new RegExp(`\\b${c.code}\\b`), r.stderr);
        assert.doesNotMatch(r.stderr, /internal error/);
        assert.equal(hashTree(root), before, 'the root changed');
      }
      assert.equal(hashTree(outside), outsideBefore, 'something outside the root changed');
    });
  });
});
