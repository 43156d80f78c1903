/**
 * Issue 11 follow-up F1: a package served as an endless stream of zeros. The fetch is bounded by the
 * index's declared size (`S:`): `apk add` fails with LIMIT_EXCEEDED naming the URL, its peak RSS (the
 * child's VmHWM, polled from /proc) stays low, and the root is unchanged.
 */
import assert from 'node:assert/strict';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeTestRepo, packageGeneration, type TestRepo } from '../helpers/apk-repo.js';
import { MiB, measurePeakRss, RSS_LIMIT } from '../helpers/peak-rss.js';
import { type ServedRepo, serveRepoDir } from '../helpers/repo-server.js';
import { hashTree, tempRoot } from '../unit/install/fixtures.js';

const measure = (argv: string[]) => measurePeakRss(argv, { PATH: process.env.PATH, SOURCE_DATE_EPOCH: '0' });

/** Serves the index from `dir`; every `.apk` is an endless chunked stream of zeros. */
function serveEndless(dir: string): Promise<ServedRepo> {
  const zeros = Buffer.alloc(64 * 1024);
  return serveRepoDir(dir, (rel, _req, res) => {
    if (!rel.endsWith('.apk')) return false;
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    let open = true;
    res.on('close', () => {
      open = false;
    });
    const pump = () => {
      while (open && res.write(zeros)) {
        /* until the socket pushes back */
      }
      if (open) res.once('drain', pump);
    };
    pump();
    return true;
  });
}

describe('a package served as an endless stream (issue 11 follow-up F1)', () => {
  const base = tempRoot('endless');
  let repo: TestRepo;
  let served: ServedRepo;

  before(async () => {
    repo = await makeTestRepo(base);
    await repo.add(packageGeneration(1, 1));
    served = await serveEndless(repo.dir);
  });
  after(async () => {
    await served.close();
    rmSync(base, { recursive: true, force: true });
  });

  for (const withCache of [false, true]) {
    it(`apk add${withCache ? ' --cache-dir' : ''}: LIMIT_EXCEEDED naming the URL, low RSS, root unchanged`, async (t) => {
      const root = join(base, `root-${withCache}`);
      mkdirSync(root);
      const common = ['--keys-dir', repo.keysDir, '--arch', 'x86_64'];
      const init = await measure(['apk', '--root', root, '--initdb', ...common, 'add']);
      assert.equal(init.code, 0, init.stderr);
      const before = hashTree(root);
      const url = `http://127.0.0.1:${served.port}/repo`;
      const cache = withCache ? ['--cache-dir', join(base, 'cache')] : [];
      const r = await measure(['apk', '--root', root, '-X', url, ...common, ...cache, 'add', 'lib00']);
      t.diagnostic(`apk add peak RSS ${Math.round(r.peakRss / MiB)} MiB`);
      assert.ok(r.peakRss > 0, 'the peak RSS was read');
      assert.ok(r.peakRss < RSS_LIMIT, `peak RSS ${Math.round(r.peakRss / MiB)} MiB`);
      assert.notEqual(r.code, 0, r.stdout);
      assert.match(r.stderr, /LIMIT_EXCEEDED/);
      assert.match(r.stderr, /lib00-1\.0-r0\.apk/);
      assert.doesNotMatch(r.stderr, /internal error/);
      assert.equal(hashTree(root), before);
    });
  }
});
