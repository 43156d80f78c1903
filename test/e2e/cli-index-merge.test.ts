import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { emptyPackageInfo, writePackage } from '../../src/apk/index.js';
import { fixedClock } from '../../src/core/index.js';
import { readApkIndexArchive } from '../../src/repo/index.js';
import { binLupine } from '../helpers/paths.js';

const work = mkdtempSync(join(tmpdir(), 'lupine-index-merge-'));
after(() => rmSync(work, { recursive: true, force: true }));

function lupine(argv: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [binLupine, ...argv], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stderr }));
  });
}

test('5 concurrent lupine index --merge into one index keep every entry (issue 11 finding 13)', async () => {
  for (let round = 0; round < 3; round++) {
    const dir = join(work, `round-${round}`);
    mkdirSync(dir, { recursive: true });
    const out = join(dir, 'APKINDEX.tar.gz');
    const names: string[] = [];
    for (let i = 0; i < 5; i++) {
      const name = `merge${i}`;
      names.push(name);
      const bytes = writePackage({
        files: [],
        info: { ...emptyPackageInfo(name, `1.${round}-r0`), arch: 'x86_64', description: 'merge test' },
        clock: fixedClock(1700000000),
      });
      writeFileSync(join(dir, `${name}.apk`), bytes);
    }
    const runs = await Promise.all(
      names.map((n) =>
        lupine(['index', '-o', out, '--merge', '--no-warnings', '--allow-untrusted', join(dir, `${n}.apk`)]),
      ),
    );
    for (const r of runs) assert.equal(r.code, 0, r.stderr);
    const idx = readApkIndexArchive(readFileSync(out), { allowUntrusted: true });
    assert.deepEqual(
      idx.packages.map((p) => p.name),
      names,
      `round ${round}: every merged entry is in the index`,
    );
  }
});

test('two inputs with the same name-version and different checksums are refused, naming both (brief s4/A item 5)', async () => {
  const dir = join(work, 'dup');
  mkdirSync(dir, { recursive: true });
  const out = join(dir, 'APKINDEX.tar.gz');
  const build = (file: string, description: string) =>
    writeFileSync(
      join(dir, file),
      writePackage({
        files: [],
        info: { ...emptyPackageInfo('twin', '1.0-r0'), arch: 'x86_64', description },
        clock: fixedClock(1700000000),
      }),
    );
  build('a.apk', 'first build');
  build('b.apk', 'second build');
  const args = ['index', '-o', out, '--no-warnings', '--allow-untrusted'];
  for (const merge of [[], ['--merge']]) {
    const r = await lupine([...args, ...merge, join(dir, 'a.apk'), join(dir, 'b.apk')]);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /INDEX_DUPLICATE/);
    assert.match(r.stderr, /twin-1\.0-r0/);
    assert.match(r.stderr, /a\.apk/);
    assert.match(r.stderr, /b\.apk/);
    assert.throws(() => readFileSync(out), /ENOENT/, 'nothing written');
  }
  // The same file twice is one package, not a conflict.
  const same = await lupine([...args, join(dir, 'a.apk'), join(dir, 'a.apk')]);
  assert.equal(same.code, 0, same.stderr);
  // With --replace-duplicates the later input wins.
  const r = await lupine([...args, '--replace-duplicates', join(dir, 'a.apk'), join(dir, 'b.apk')]);
  assert.equal(r.code, 0, r.stderr);
  const idx = readApkIndexArchive(readFileSync(out), { allowUntrusted: true });
  assert.deepEqual(
    idx.packages.map((p) => p.description),
    ['second build'],
  );
});
