/**
 * Issue 11 finding 2: a build step cannot make the packager (outside the sandbox, as root) pack a
 * host file. A step that replaces `${{targets.destdir}}` (or `melange-out`) with a symlink to a
 * host directory fails the build with BUILD_OUTPUT_UNSAFE; symlinks inside the package (to a host
 * file, to a host directory) are packed as symlinks, never followed. In every case the secret's bytes
 * appear in no output (packages decompressed, index, log) and a sentinel tree outside the
 * workspace hashes the same before and after.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { readPackage } from '../../../src/apk/index.js';
import type { LupineError } from '../../../src/core/index.js';
import { type BuildRecipeOptions, buildRecipe } from '../../../src/pkg/index.js';
import { assertCode } from '../../helpers/assert-code.js';
import { type GuestRepo, guestBuildOptions, makeGuestRepo, writeGuestRecipe } from './run-guest-repo.js';

/** Every path, type, mode and content under a directory, hashed. */
function hashTree(dir: string): string {
  const h = createHash('sha256');
  const walk = (abs: string, rel: string) => {
    for (const name of readdirSync(abs).sort()) {
      const p = join(abs, name);
      const st = lstatSync(p);
      h.update(`${rel}/${name}\0${st.mode}\0${st.uid}:${st.gid}\0`);
      if (st.isDirectory()) walk(p, `${rel}/${name}`);
      else if (st.isSymbolicLink()) h.update(readlinkSync(p));
      else h.update(readFileSync(p));
    }
  };
  h.update(String(lstatSync(dir).mode));
  walk(dir, '');
  return h.digest('hex');
}

/** All bytes a build wrote under a directory, with every gzip stream also inflated. */
function outputBytes(dir: string): Buffer[] {
  const out: Buffer[] = [];
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir, { recursive: true }) as string[]) {
    const p = join(dir, name);
    if (!lstatSync(p).isFile()) continue;
    const data = readFileSync(p);
    out.push(data);
    if (data[0] === 0x1f && data[1] === 0x8b) out.push(gunzipSync(data));
  }
  return out;
}

describe('pkg build never packs a host file through a symlink (issue 11 #2)', () => {
  let repo: GuestRepo;
  let sentinel = '';
  let secretDir = '';
  let secretFile = '';
  let token = '';
  let sentinelHash = '';
  const opts = (outDir: string, extra: Partial<BuildRecipeOptions> = {}) =>
    guestBuildOptions(repo, outDir, { signingKey: repo.keyFile, ...extra });
  const recipe = (name: string, runs: string) => writeGuestRecipe(repo, name, runs);
  const assertNoSecret = (out: string) => {
    for (const bytes of outputBytes(out)) assert.equal(bytes.indexOf(token), -1, 'the secret is in an output');
    assert.equal(hashTree(sentinel), sentinelHash, 'the sentinel tree is unchanged');
  };

  before(async () => {
    repo = await makeGuestRepo('run-output-escape');
    sentinel = join(repo.base, 'sentinel');
    secretDir = join(sentinel, 'secretdir');
    mkdirSync(join(secretDir, 'etc'), { recursive: true });
    token = `SECRET-${randomBytes(16).toString('hex')}`;
    secretFile = join(secretDir, 'etc', 'shadow');
    writeFileSync(secretFile, `${token}\n`, { mode: 0o600 });
    chmodSync(secretFile, 0o600);
    // melange-out/swapout, should melange-out become a link to secretDir
    mkdirSync(join(secretDir, 'swapout'));
    writeFileSync(join(secretDir, 'swapout', 'key'), `${token}\n`, { mode: 0o600 });
    chmodSync(secretDir, 0o700);
    sentinelHash = hashTree(sentinel);
  });
  after(() => {
    if (repo) rmSync(repo.base, { recursive: true, force: true });
  });

  it('fails when the destdir is replaced by a symlink to a host directory', async () => {
    const file = recipe('swapdest', `rm -rf \${{targets.destdir}}\nln -s ${secretDir} \${{targets.destdir}}`);
    const out = join(repo.base, 'out-swapdest');
    const err = (await assertCode(() => buildRecipe(file, opts(out)), 'BUILD_OUTPUT_UNSAFE')) as LupineError;
    assert.match(err.message, /melange-out\/swapdest/);
    assert.ok(!existsSync(join(out, 'x86_64')), 'nothing was published');
    assertNoSecret(out);
  });

  it('fails when melange-out itself is replaced by a symlink to a host directory', async () => {
    const file = recipe('swapout', `rm -rf /home/build/melange-out\nln -s ${secretDir} /home/build/melange-out`);
    const out = join(repo.base, 'out-swapout');
    await assertCode(() => buildRecipe(file, opts(out)), 'BUILD_OUTPUT_UNSAFE');
    assert.ok(!existsSync(join(out, 'x86_64')));
    assertNoSecret(out);
  });

  it('packs symlinks to host files and directories as symlinks, never their targets', async () => {
    const file = recipe(
      'innerlinks',
      `mkdir -p \${{targets.destdir}}/etc \${{targets.destdir}}/usr
ln -s ${secretFile} \${{targets.destdir}}/etc/shadow
ln -s ${secretDir} \${{targets.destdir}}/usr/share`,
    );
    const out = join(repo.base, 'out-innerlinks');
    const r = await buildRecipe(file, opts(out));
    assert.equal(r.packages.length, 1);
    const pkg = readPackage(readFileSync(r.packages[0]?.path as string));
    const byName = new Map(pkg.files.map((f) => [f.name, f]));
    const shadow = byName.get('etc/shadow');
    assert.equal(shadow?.type, 'symlink');
    assert.equal(shadow?.linkname, secretFile);
    const share = byName.get('usr/share');
    assert.equal(share?.type, 'symlink');
    assert.ok(![...byName.keys()].some((n) => n.startsWith('usr/share/')), 'the link was not walked');
    assertNoSecret(out);
  });
  it('fails the same way with the host runner', async () => {
    const file = recipe('swaphost', `rm -rf \${{targets.destdir}}\nln -s ${secretDir} \${{targets.destdir}}`);
    const out = join(repo.base, 'out-swaphost');
    await assertCode(() => buildRecipe(file, opts(out, { runner: 'host' })), 'BUILD_OUTPUT_UNSAFE');
    assert.ok(!existsSync(join(out, 'x86_64')));
    assertNoSecret(out);
  });
});
