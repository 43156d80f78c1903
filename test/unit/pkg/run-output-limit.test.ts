/**
 * Issue 11 finding 14 (read-outputs): the packager read each output file whole, so one huge (even
 * sparse) file exhausted memory, and a file above 2 GiB failed with an error naming the output
 * directory. A file above the bound (`maxOutputFileBytes`, default 1 GiB) now fails the build with
 * LIMIT_EXCEEDED naming that file and the limit, before it is read; nothing is written.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isLupineError } from '../../../src/core/index.js';
import { type BuildRecipeOptions, buildRecipe } from '../../../src/pkg/index.js';
import { type GuestRepo, guestBuildOptions, makeGuestRepo, writeGuestRecipe } from './run-guest-repo.js';

describe('an output file above the size bound fails the build, naming the file (issue 11 #14)', () => {
  let repo: GuestRepo;
  const opts = (outDir: string, extra: Partial<BuildRecipeOptions> = {}) =>
    guestBuildOptions(repo, outDir, { signingKey: repo.keyFile, sourceDateEpoch: 1700000000, ...extra });
  const sparse = () => {
    const dest = ['$', '{{targets.destdir}}'].join('');
    return `mkdir -p ${dest}/usr/share && dd if=/dev/zero of=${dest}/usr/share/huge bs=1 count=1 seek=3145727`;
  };
  const recipe = (name: string, runs: string) => writeGuestRecipe(repo, name, runs, { stepName: false });
  before(async () => {
    repo = await makeGuestRepo('run-output-limit');
  });
  after(() => {
    if (repo) rmSync(repo.base, { recursive: true, force: true });
  });

  it('refuses a 3 MiB sparse file under a 1 MiB bound, packs nothing', async () => {
    const out = join(repo.base, 'out-big');
    const file = recipe('big', sparse());
    await assert.rejects(buildRecipe(file, opts(out, { maxOutputFileBytes: 1024 * 1024 })), (e: unknown) => {
      assert.ok(isLupineError(e, 'LIMIT_EXCEEDED'), String(e));
      assert.match(e.message, /usr\/share\/huge/);
      assert.match(e.message, /1048576/);
      assert.equal(e.details.limit, 1048576);
      return true;
    });
    const apks = existsSync(out) ? readdirSync(out, { recursive: true }).filter((n) => String(n).endsWith('.apk')) : [];
    assert.deepEqual(apks, []);
  });

  it('packs the same file under the default bound', async () => {
    const out = join(repo.base, 'out-ok');
    const file = recipe('fine', sparse());
    const r = await buildRecipe(file, opts(out));
    assert.equal(r.packages.length, 1);
  });
});
