/**
 * Builds a signed apk repository on disk for e2e tests: packages with `writePackage`, the index with
 * `lupine index --signing-key`, the public key in its own keys directory.
 */
import { mkdirSync, readdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  emptyPackageInfo,
  generateRsaKeyPair,
  type PackageInfo,
  parsePrivateKey,
  type TreeEntry,
  writePackage,
} from '../../src/apk/index.js';
import { fixedClock } from '../../src/core/index.js';
import { runCli } from './cli.js';

export interface TestPackage {
  readonly name: string;
  readonly version: string;
  readonly depends?: readonly string[];
  readonly files?: readonly TreeEntry[];
  readonly replaces?: readonly string[];
  readonly scripts?: Readonly<Record<string, string>>;
  /** .PKGINFO `triggers` (directory globs; give the package a `trigger` script). */
  readonly triggers?: readonly string[];
}

export interface TestRepo {
  /** The repository directory (holds `<arch>/APKINDEX.tar.gz` and the packages). */
  readonly dir: string;
  readonly keysDir: string;
  readonly keyFile: string;
  readonly keyName: string;
  readonly arch: string;
  /** Writes packages (signed) into the repository and rebuilds its index. */
  add(packages: readonly TestPackage[]): Promise<void>;
}

let cachedKey: { privatePem: string; publicPem: string } | undefined;

/** One RSA key for every test repository of a run (generating keys is slow). */
async function testKey(): Promise<{ privatePem: string; publicPem: string }> {
  cachedKey ??= await generateRsaKeyPair(2048);
  return cachedKey;
}

export async function makeTestRepo(base: string, arch = 'x86_64'): Promise<TestRepo> {
  const dir = join(base, 'repo');
  const keysDir = join(base, 'keys');
  mkdirSync(join(dir, arch), { recursive: true });
  mkdirSync(keysDir, { recursive: true });
  const key = await testKey();
  const keyName = 'lupine-test.rsa.pub';
  const keyFile = join(base, 'lupine-test.rsa');
  writeFileSync(keyFile, key.privatePem);
  writeFileSync(join(keysDir, keyName), key.publicPem);
  const signingKey = { key: parsePrivateKey(key.privatePem, keyFile), keyName };
  return {
    dir,
    keysDir,
    keyFile,
    keyName,
    arch,
    async add(packages) {
      for (const p of packages) {
        const info: PackageInfo = {
          ...emptyPackageInfo(p.name, p.version),
          arch,
          description: `test package ${p.name}`,
          license: 'MIT',
          depends: [...(p.depends ?? [])],
          replaces: [...(p.replaces ?? [])],
          origin: p.name,
          triggers: [...(p.triggers ?? [])],
        };
        const bytes = writePackage({
          files: p.files ?? [],
          info,
          clock: fixedClock(1700000000),
          signingKey,
          ...(p.scripts ? { scripts: p.scripts } : {}),
        });
        writeFileSync(join(dir, arch, `${p.name}-${p.version}.apk`), bytes);
      }
      const apks = readdirSync(join(dir, arch))
        .filter((f) => f.endsWith('.apk'))
        .sort()
        .map((f) => join(dir, arch, f));
      const r = await runCli([
        'index',
        '-o',
        join(dir, arch, 'APKINDEX.tar.gz'),
        '--signing-key',
        keyFile,
        '--keys-dir',
        keysDir,
        ...apks,
      ]);
      if (r.code !== 0) throw new Error(`lupine index failed: ${r.stderr}`);
    },
  };
}

/** A package set of `count` libraries and one `meta` depending on all of them, at generation `gen`. */
export function packageGeneration(count: number, gen: number): TestPackage[] {
  const libs: TestPackage[] = [];
  for (let i = 0; i < count; i++) {
    const name = `lib${String(i).padStart(2, '0')}`;
    const files: TreeEntry[] = [
      { path: `usr/share/${name}`, type: 'dir' },
      { path: `usr/share/${name}/data.txt`, type: 'file', data: Buffer.from(`${name} generation ${gen}\n`) },
      // Each generation ships a file of its own: an upgrade must remove the old one.
      { path: `usr/share/${name}/gen-${gen}`, type: 'file', data: Buffer.from(`${gen}\n`) },
    ];
    if (i % 5 === 0) files.push({ path: `usr/lib/${name}.so`, type: 'symlink', linkname: `../share/${name}/data.txt` });
    libs.push({
      name,
      version: `${gen}.0-r0`,
      files: [
        { path: 'usr', type: 'dir' },
        { path: 'usr/share', type: 'dir' },
        { path: 'usr/lib', type: 'dir' },
        ...files,
      ],
      // A chain: each library needs the previous one, so the order of installation matters.
      depends: i > 0 ? [`lib${String(i - 1).padStart(2, '0')}`] : [],
    });
  }
  return [...libs, { name: 'meta', version: `${gen}.0-r0`, depends: libs.map((l) => l.name) }];
}

/**
 * `hostsh-1-r0`: the host's /bin/sh and the libraries it needs (x86_64 glibc), enough for package
 * scripts to run in the bubblewrap chroot of a root.
 */
export function hostShellPackage(): TestPackage {
  const host = (at: string, from: string): TreeEntry => ({
    path: at,
    type: 'file',
    mode: 0o755,
    data: readFileSync(realpathSync(from)),
  });
  return {
    name: 'hostsh',
    version: '1-r0',
    files: [
      { path: 'bin', type: 'dir' },
      { path: 'lib', type: 'dir' },
      { path: 'lib/x86_64-linux-gnu', type: 'dir' },
      { path: 'lib64', type: 'dir' },
      host('bin/sh', '/bin/sh'),
      host('lib/x86_64-linux-gnu/libc.so.6', '/lib/x86_64-linux-gnu/libc.so.6'),
      host('lib64/ld-linux-x86-64.so.2', '/lib64/ld-linux-x86-64.so.2'),
    ],
  };
}
