/**
 * Issue 11 finding 10: a 3 MB package inflating to 3 GiB. `verify`, `inspect` and `apk add` must stay
 * under 256 MiB peak RSS (the child's VmHWM, polled from /proc) and fail with LIMIT_EXCEEDED, the root
 * unchanged; a device such as /dev/zero is refused rather than read without end.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { generateRsaKeyPair, parsePrivateKey } from '../../src/apk/index.js';
import { assemblePackage, pkginfoText, zeroBombMember, zeroFileMember } from '../helpers/hostile-packages.js';
import { binLupine } from '../helpers/paths.js';
import { hashTree, tempRoot } from '../unit/install/fixtures.js';

const MiB = 1024 * 1024;
const RSS_LIMIT = 256 * MiB;
/** SHA-1 of 512 MiB of zeros (`head -c 536870912 /dev/zero | sha1sum`). */
const ZEROS_512M_SHA1 = '5b088492c9f4778f409b7ae61477dec124c99033';

async function sha1OfFile(path: string): Promise<string> {
  const h = createHash('sha1');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

interface Measured {
  code: number;
  stdout: string;
  stderr: string;
  /** Peak resident set size of the child, bytes. */
  peakRss: number;
}

function vmHwm(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0; // the process has exited
  }
}

/** Runs bin/lupine, polling its peak RSS until it exits; kills it past 256 MiB (the test fails). */
function measure(argv: string[]): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [binLupine, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let peak = 0;
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const poll = setInterval(() => {
      if (child.pid === undefined) return;
      peak = Math.max(peak, vmHwm(child.pid));
      if (peak > 2 * RSS_LIMIT) child.kill('SIGKILL');
    }, 10);
    child.on('error', reject);
    child.on('exit', () => {
      if (child.pid !== undefined) peak = Math.max(peak, vmHwm(child.pid));
    });
    child.on('close', (code) => {
      clearInterval(poll);
      resolve({ code: code ?? -1, stdout, stderr, peakRss: peak });
    });
  });
}

describe('a gzip bomb package (issue 11 finding 10)', () => {
  const base = tempRoot('bomb');
  const keys = join(base, 'keys');
  const bomb = join(base, 'bomb-1.0-r0.apk');

  before(async () => {
    mkdirSync(keys);
    const pair = await generateRsaKeyPair(2048);
    writeFileSync(join(keys, 'bomb.rsa.pub'), pair.publicPem);
    const signingKey = { key: parsePrivateKey(pair.privatePem, 'bomb.rsa'), keyName: 'bomb.rsa.pub' };
    const data = await zeroBombMember('usr/share/bomb/zeros', 3 * 1024 * MiB);
    // It declares 4 KiB installed: the data member inflates to 3 GiB.
    writeFileSync(bomb, assemblePackage({ pkginfo: pkginfoText('bomb', '1.0-r0', 4096), data, signingKey }));
  });
  after(() => rmSync(base, { recursive: true, force: true }));

  it('is about 3 MB on disk', () => {
    const size = readFileSync(bomb).length;
    assert.ok(size > 2 * MiB && size < 4 * MiB, `${size} bytes`);
  });

  it('lupine verify: LIMIT_EXCEEDED under 256 MiB RSS', async (t) => {
    const r = await measure(['verify', '--keys-dir', keys, bomb]);
    t.diagnostic(`verify peak RSS ${Math.round(r.peakRss / MiB)} MiB`);
    assert.ok(r.peakRss > 0, 'the peak RSS was read');
    assert.ok(r.peakRss < RSS_LIMIT, `peak RSS ${Math.round(r.peakRss / MiB)} MiB`);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /\[LIMIT_EXCEEDED\]/);
  });

  it('lupine inspect: LIMIT_EXCEEDED under 256 MiB RSS', async (t) => {
    const r = await measure(['inspect', bomb]);
    t.diagnostic(`inspect peak RSS ${Math.round(r.peakRss / MiB)} MiB`);
    assert.ok(r.peakRss < RSS_LIMIT, `peak RSS ${Math.round(r.peakRss / MiB)} MiB`);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /LIMIT_EXCEEDED/);
    assert.doesNotMatch(r.stderr, /internal error/);
  });

  it('lupine apk add ./bomb.apk: LIMIT_EXCEEDED under 256 MiB RSS, the root unchanged', async (t) => {
    const root = join(base, 'root');
    mkdirSync(root);
    const init = await measure(['apk', '--root', root, '--initdb', '--keys-dir', keys, 'add']);
    assert.equal(init.code, 0, init.stderr);
    const before = hashTree(root);
    const r = await measure(['apk', '--root', root, '--keys-dir', keys, 'add', bomb]);
    t.diagnostic(`apk add peak RSS ${Math.round(r.peakRss / MiB)} MiB`);
    assert.ok(r.peakRss < RSS_LIMIT, `peak RSS ${Math.round(r.peakRss / MiB)} MiB`);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /LIMIT_EXCEEDED/);
    assert.doesNotMatch(r.stderr, /internal error/);
    assert.equal(hashTree(root), before);
  });

  it('lupine verify /dev/zero and a directory: refused as not regular files, without reading them', async () => {
    const r = await measure(['verify', '--keys-dir', keys, '/dev/zero', base]);
    assert.ok(r.peakRss < RSS_LIMIT, `peak RSS ${Math.round(r.peakRss / MiB)} MiB`);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /\/dev\/zero: .*not a regular file/);
  });

  // Brief s4/A item 1: a legitimate package (a 512 MiB file it declares) is inspected and verified
  // by streaming its data member, never holding it (generated by a streaming writer, not a buffer).
  // The package with a 512 MiB file, made once (signed by big.rsa, whose private key is in `base`).
  let made: Promise<string> | undefined;
  const bigPackage = (): Promise<string> => {
    made ??= (async () => {
      const big = join(base, 'big-1.0-r0.apk');
      const pair = await generateRsaKeyPair(2048);
      writeFileSync(join(keys, 'big.rsa.pub'), pair.publicPem);
      writeFileSync(join(base, 'big.rsa'), pair.privatePem);
      const signingKey = { key: parsePrivateKey(pair.privatePem, 'big.rsa'), keyName: 'big.rsa.pub' };
      const size = 512 * MiB;
      const data = await zeroFileMember('usr/share/big/zeros', size);
      writeFileSync(big, assemblePackage({ pkginfo: pkginfoText('big', '1.0-r0', size), data, signingKey }));
      return big;
    })();
    return made;
  };

  /** Installs with `args` into a fresh root: under 256 MiB RSS, the 512 MiB file whole, no staging left. */
  const installsBig = async (t: { diagnostic(m: string): void }, label: string, args: string[]): Promise<void> => {
    const root = join(base, `root-${label}`);
    mkdirSync(root);
    const init = await measure(['apk', '--root', root, '--initdb', '--keys-dir', keys, 'add']);
    assert.equal(init.code, 0, init.stderr);
    const r = await measure(['apk', '--root', root, '--keys-dir', keys, ...args]);
    t.diagnostic(`apk add (${label}) peak RSS ${Math.round(r.peakRss / MiB)} MiB`);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.ok(r.peakRss > 0 && r.peakRss < RSS_LIMIT, `peak RSS ${Math.round(r.peakRss / MiB)} MiB`);
    const file = join(root, 'usr/share/big/zeros');
    assert.equal(statSync(file).size, 512 * MiB);
    assert.equal(await sha1OfFile(file), ZEROS_512M_SHA1);
    assert.equal(existsSync(join(root, '.lupine-txn')), false, 'no staging left');
    assert.match(readFileSync(join(root, 'lib/apk/db/installed'), 'utf8'), /^P:big$/m);
    rmSync(root, { recursive: true, force: true });
  };

  it('lupine inspect and verify of a package with a 512 MiB file it declares: OK under 256 MiB RSS', async (t) => {
    const big = await bigPackage();
    const i = await measure(['inspect', big]);
    t.diagnostic(`inspect peak RSS ${Math.round(i.peakRss / MiB)} MiB`);
    assert.equal(i.code, 0, i.stderr);
    assert.match(i.stdout, /usr\/share\/big\/zeros/);
    assert.ok(i.peakRss > 0 && i.peakRss < RSS_LIMIT, `peak RSS ${Math.round(i.peakRss / MiB)} MiB`);
    const v = await measure(['verify', '--keys-dir', keys, big]);
    t.diagnostic(`verify peak RSS ${Math.round(v.peakRss / MiB)} MiB`);
    assert.equal(v.code, 0, v.stdout + v.stderr);
    assert.ok(v.peakRss < RSS_LIMIT, `peak RSS ${Math.round(v.peakRss / MiB)} MiB`);
  });

  // Brief s4/A2 item 1: installing it streams the file from the data member into the staging directory.
  it('lupine apk add ./big.apk (a 512 MiB file): installed under 256 MiB RSS, the file whole', async (t) => {
    await installsBig(t, 'file', ['add', await bigPackage()]);
  });

  it('lupine apk add big from a repository (a 512 MiB file): installed under 256 MiB RSS, the file whole', async (t) => {
    const big = await bigPackage();
    const repo = join(base, 'repo');
    mkdirSync(join(repo, 'x86_64'), { recursive: true });
    const apk = join(repo, 'x86_64', 'big-1.0-r0.apk');
    writeFileSync(apk, readFileSync(big));
    const index = join(repo, 'x86_64', 'APKINDEX.tar.gz');
    const signing = ['--signing-key', join(base, 'big.rsa'), '--keys-dir', keys];
    const ix = await measure(['index', '-o', index, ...signing, apk]);
    assert.equal(ix.code, 0, ix.stderr);
    await installsBig(t, 'repo', ['-X', repo, '--arch', 'x86_64', 'add', 'big']);
  });
});
