/**
 * `npm run demo`: the main job end to end, until the image builder lands. Makes (or reuses) a signing
 * key under out/keys/, builds a package from examples/hello-tree/, indexes and signs it into
 * out/repo/x86_64/, then verifies and inspects both through the CLI's main(). Idempotent: with the
 * same key, every run writes the same bytes (SOURCE_DATE_EPOCH defaults to 0).
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  emptyPackageInfo,
  keyNameForPrivateKey,
  type PackageInfo,
  parsePrivateKey,
  readPackage,
  readTree,
  type TreeEntry,
  writePackage,
} from '../src/apk/index.js';
import { captureIo, main } from '../src/cli/index.js';
import { fixedClock, sourceDateEpochClock } from '../src/core/index.js';

const root = (() => {
  let d = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(d, 'package.json'))) d = dirname(d);
  return d;
})();
const rel = (p: string) => relative(root, p) || '.';

const env = { ...process.env, SOURCE_DATE_EPOCH: process.env.SOURCE_DATE_EPOCH || '0' };
const keysDir = join(root, 'out', 'keys');
const keyPath = join(keysDir, 'demo.rsa');
const repoDir = join(root, 'out', 'repo', 'x86_64');
const treeDir = join(root, 'examples', 'hello-tree');

/** Runs one lupine command in-process; fails the demo (with its output) unless it exits with `expect`. */
async function lupine(argv: string[], expect = 0): Promise<string> {
  const io = captureIo(env, root);
  const code = await main(argv, io);
  if (code !== expect) {
    throw new Error(`lupine ${argv.join(' ')} exited ${code}:\n${io.out()}${io.err()}`);
  }
  return io.out();
}

/** Modes from a checkout depend on the umask; the package gets 0755 for dirs and executables, else 0644. */
function normalizeModes(entries: readonly TreeEntry[]): TreeEntry[] {
  return entries.map((e) => {
    if (e.type === 'dir') return { ...e, mode: 0o755 };
    if (e.type === 'file') return { ...e, mode: (e.mode ?? 0o644) & 0o111 ? 0o755 : 0o644 };
    return e;
  });
}

async function writeAtomically(path: string, bytes: Uint8Array): Promise<void> {
  const tmp = `${path}.demo-${process.pid}.tmp`;
  await writeFile(tmp, bytes);
  await rename(tmp, path);
}

async function run(): Promise<void> {
  // 1. A signing key, made once by `lupine keygen` and reused afterwards.
  const keyReused = existsSync(keyPath);
  if (!keyReused) await lupine(['keygen', 'demo', '--out', keysDir]);
  const key = parsePrivateKey(await readFile(keyPath), rel(keyPath));
  const keyName = keyNameForPrivateKey(keyPath);

  // 2. A package from the example tree.
  const info: PackageInfo = {
    ...emptyPackageInfo('hello-lupine', '1.0.0-r0'),
    arch: 'x86_64',
    description: 'a greeting, packaged by the lupine demo',
    url: 'https://example.org/hello-lupine',
    license: 'Apache-2.0',
    origin: 'hello-lupine',
    maintainer: 'lupine demo <demo@example.org>',
    depends: ['/bin/sh'],
  };
  const clock = sourceDateEpochClock(env, fixedClock(0));
  const files = normalizeModes(await readTree(treeDir));
  const apkBytes = writePackage({
    files,
    info,
    scripts: { 'post-install': await readFile(join(root, 'examples', 'hello.post-install')) },
    clock,
    signingKey: { key, keyName },
  });
  await mkdir(repoDir, { recursive: true });
  const apkPath = join(repoDir, `${info.name}-${info.version}.apk`);
  const previous = existsSync(apkPath) ? await readFile(apkPath) : undefined;
  await writeAtomically(apkPath, apkBytes);
  const pkg = readPackage(apkBytes);

  // 3. The signed index, 4. verification and inspection, all through the CLI.
  const indexPath = join(repoDir, 'APKINDEX.tar.gz');
  const indexed = await lupine([
    'index',
    '-o',
    rel(indexPath),
    '--signing-key',
    rel(keyPath),
    '-d',
    'lupine demo repository',
    '--no-warnings',
    rel(apkPath),
  ]);
  const verified = await lupine(['verify', '--keys-dir', rel(keysDir), rel(apkPath), rel(indexPath)]);
  const inspected = await lupine(['inspect', rel(indexPath)]);

  const sha256 = createHash('sha256').update(apkBytes).digest('hex');
  const same =
    previous === undefined
      ? 'first build'
      : previous.equals(apkBytes)
        ? 'identical to the previous run'
        : 'changed since the previous run';
  const lines = [
    `lupine demo (SOURCE_DATE_EPOCH=${env.SOURCE_DATE_EPOCH})`,
    '',
    `key      ${rel(keyPath)} (${keyReused ? 'reused' : 'new'}); public key ${rel(keyPath)}.pub`,
    `package  ${rel(apkPath)}`,
    `         ${pkg.info.name}-${pkg.info.version} ${pkg.info.arch}, ${apkBytes.length} bytes, ${pkg.files.length} entries, installed size ${pkg.info.installedSize}`,
    `         identity ${pkg.identity}, signed by ${pkg.signatures.map((s) => `${s.algorithm}.${s.keyName}`).join(', ')}`,
    `         sha256 ${sha256} (${same})`,
    ...pkg.files.map(
      (f) =>
        `           ${f.type.padEnd(7)} ${f.mode.toString(8).padStart(4, '0')} /${f.name}${f.linkname ? ` -> ${f.linkname}` : ''}`,
    ),
    `index    ${rel(indexPath)}: ${indexed.trim().replace(/^[^:]*: /, '')}`,
    `verify   ${verified.trim().split('\n').join('\n         ')}`,
    `inspect  ${inspected.trim().split('\n').join('\n         ')}`,
    '',
    `More: node bin/lupine inspect ${rel(apkPath)}`,
  ];
  console.log(lines.join('\n'));
}

try {
  await run();
} catch (err) {
  console.error(`demo failed: ${(err as Error).message}`);
  process.exitCode = 1;
}
