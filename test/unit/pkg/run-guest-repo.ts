/**
 * A signed guest repository made in the test from this machine's own binaries (the guest is built
 * only from packages the test made): `busybox` (the host's static busybox and its applets, with
 * the host's dash as /bin/sh), `host-libs` (the shared libraries `ldd` lists for the other tools, providing their
 * `so:` names), and `wget`, `git` and `tar` (GNU tar and gzip), each depending on host-libs.
 * Packages are written with `writePackage`, the index with `writeApkIndexArchive`, both signed with
 * a key generated here.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import {
  emptyPackageInfo,
  generateRsaKeyPair,
  type PackageInfo,
  parsePrivateKey,
  readPackage,
  type TreeEntry,
  writePackage,
} from '../../../src/apk/index.js';
import { fixedClock } from '../../../src/core/index.js';
import type { BuildRecipeOptions } from '../../../src/pkg/index.js';
import { writeApkIndexArchive } from '../../../src/repo/index.js';
import { type CliResult, runCli } from '../../helpers/cli.js';
import { packageBlock } from '../../helpers/recipes.js';

export interface GuestRepo {
  /** A scratch directory for the test (removed by the caller). */
  readonly base: string;
  /** The repository: `<dir>/x86_64/APKINDEX.tar.gz` and the packages. */
  readonly dir: string;
  readonly keysDir: string;
  /** Private key (signs the repository; tests also sign built packages with it). */
  readonly keyFile: string;
  readonly keyName: string;
  readonly arch: string;
  /** lupine's package cache for builds in this test file. */
  readonly packageCacheDir: string;
}

/** Host library paths (as ldd names them) that the binaries load. */
function libraries(binaries: readonly string[]): string[] {
  const out = new Set<string>();
  for (const b of binaries) {
    for (const line of execFileSync('ldd', [b], { encoding: 'utf8' }).split('\n')) {
      const m = /=>\s+(\/\S+)/.exec(line) ?? /^\s*(\/\S+)\s+\(/.exec(line);
      if (m?.[1]) out.add(m[1]);
    }
  }
  return [...out].sort();
}

const file = (path: string, host: string, mode = 0o755): TreeEntry => ({
  path,
  type: 'file',
  mode,
  data: readFileSync(realpathSync(host)),
});

function busyboxApplets(): string[] {
  return execFileSync('/usr/bin/busybox', ['--list'], { encoding: 'utf8' })
    .split('\n')
    .map((s) => s.trim())
    .filter((s) => /^[a-z0-9_.[-]+$/.test(s) && s !== 'busybox' && s !== 'wget' && s !== '[' && s !== '[[');
}

interface Spec {
  readonly name: string;
  readonly version: string;
  readonly files: TreeEntry[];
  readonly depends?: string[];
  readonly provides?: string[];
}

export async function makeGuestRepo(prefix: string): Promise<GuestRepo> {
  const base = mkdtempSync(join(tmpdir(), `lupine-${prefix}-`));
  const arch = 'x86_64';
  const dir = join(base, 'repo');
  const keysDir = join(base, 'keys');
  mkdirSync(join(dir, arch), { recursive: true });
  mkdirSync(keysDir);
  const pair = await generateRsaKeyPair(2048);
  const keyName = 'guest-test.rsa.pub';
  const keyFile = join(base, 'guest-test.rsa');
  writeFileSync(keyFile, pair.privatePem);
  writeFileSync(join(keysDir, keyName), pair.publicPem);
  const signingKey = { key: parsePrivateKey(pair.privatePem, keyFile), keyName };

  const tools = ['/usr/bin/dash', '/usr/bin/wget', '/usr/bin/git', '/usr/bin/tar', '/usr/bin/gzip'];
  const libs = libraries(tools);
  const specs: Spec[] = [
    {
      name: 'busybox',
      version: '1.36.1-r0',
      files: [
        file('bin/busybox', '/usr/bin/busybox'),
        // /bin/sh is the host's dash: Debian's static busybox shell runs its own applets before
        // PATH, which would hide the GNU wget and tar of the other packages.
        file('bin/sh', '/usr/bin/dash'),
        ...busyboxApplets()
          .filter((a) => a !== 'sh')
          .map((a): TreeEntry => ({ path: `bin/${a}`, type: 'symlink', linkname: 'busybox' })),
      ],
      depends: ['host-libs'],
      provides: ['cmd:sh=1.36.1-r0', 'cmd:busybox=1.36.1-r0'],
    },
    {
      name: 'host-libs',
      version: '1.0-r0',
      files: libs.map((l) => file(l.slice(1), l, 0o755)),
      provides: libs.map((l) => `so:${basename(l)}=1.0`),
    },
    { name: 'wget', version: '1.21-r0', files: [file('usr/bin/wget', '/usr/bin/wget')], depends: ['host-libs'] },
    { name: 'git', version: '2.39-r0', files: [file('usr/bin/git', '/usr/bin/git')], depends: ['host-libs'] },
    {
      name: 'tar',
      version: '1.34-r0',
      files: [file('usr/bin/tar', '/usr/bin/tar'), file('usr/bin/gzip', '/usr/bin/gzip')],
      depends: ['host-libs'],
    },
  ];
  const records: PackageInfo[] = [];
  for (const s of specs) {
    const info: PackageInfo = {
      ...emptyPackageInfo(s.name, s.version),
      arch,
      description: `${s.name} from the test host`,
      license: 'GPL-2.0-only',
      origin: s.name,
      depends: s.depends ?? [],
      provides: s.provides ?? [],
    };
    const bytes = writePackage({ files: s.files, info, clock: fixedClock(1700000000), signingKey });
    writeFileSync(join(dir, arch, `${s.name}-${s.version}.apk`), bytes);
    const pkg = readPackage(bytes);
    records.push({ ...pkg.info, identity: pkg.identity, size: bytes.length });
  }
  writeFileSync(
    join(dir, arch, 'APKINDEX.tar.gz'),
    writeApkIndexArchive(records, { signingKey: signingKey.key, keyName }),
  );
  return { base, dir, keysDir, keyFile, keyName, arch, packageCacheDir: join(base, 'pkg-cache') };
}

/** `hello-2.0.tar.gz` (hello-2.0/{README,VERSION}, reproducible) served on 127.0.0.1; `close()` stops it. */
export interface TarballServer {
  readonly tarball: Buffer;
  readonly sha256: string;
  readonly port: number;
  close(): Promise<void>;
}

export async function serveHelloTarball(base: string): Promise<TarballServer> {
  const src = join(base, 'tar-src', 'hello-2.0');
  mkdirSync(src, { recursive: true });
  writeFileSync(join(src, 'README'), 'hello from a tarball\n');
  writeFileSync(join(src, 'VERSION'), '2.0\n');
  const file = join(base, 'hello-2.0.tar.gz');
  execFileSync('tar', [
    '--sort=name',
    '--mtime=@0',
    '--owner=0',
    '--group=0',
    '-czf',
    file,
    '-C',
    join(base, 'tar-src'),
    'hello-2.0',
  ]);
  const tarball = readFileSync(file);
  const server = createServer((req, res) => {
    if (req.url === '/hello-2.0.tar.gz') {
      res.writeHead(200, { 'content-type': 'application/gzip', 'content-length': tarball.length });
      res.end(tarball);
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    tarball,
    sha256: createHash('sha256').update(tarball).digest('hex'),
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/**
 * `lupine apk add NAMES` into a new root `<base>/root` (`--initdb`, x86_64) from a build's out-dir
 * and the guest repository, with its keys and a cache of its own; returns the root and the result.
 */
export async function apkAddBuilt(
  repo: GuestRepo,
  out: string,
  names: readonly string[],
  env: Record<string, string | undefined>,
): Promise<{ root: string; result: CliResult }> {
  const root = join(repo.base, 'root');
  mkdirSync(root);
  const args = ['apk', '--root', root, '--initdb', '--arch', 'x86_64', '-X', out, '-X', repo.dir];
  const result = await runCli(
    [...args, '--keys-dir', repo.keysDir, '--cache-dir', join(repo.base, 'apk-cache'), 'add', ...names],
    { env },
  );
  return { root, result };
}

export interface GuestRecipeOptions {
  /** YAML inserted before `environment:` (e.g. `checks:`), each line indented as top-level keys. */
  readonly extra?: string;
  /** Name the step `<name> step` (default true). */
  readonly stepName?: boolean;
  /** The file name in the recipe's directory (default `<name>.yaml`). */
  readonly file?: string;
}

/** A melange recipe over the guest's busybox with one step that runs `runs` (one or more lines). */
export function busyboxRecipe(name: string, runs: string, o: GuestRecipeOptions = {}): string {
  const step = o.stepName === false ? '' : `name: ${name} step\n    `;
  const body = runs
    .trim()
    .split('\n')
    .map((l) => `      ${l}`)
    .join('\n');
  return `${packageBlock(name, '"1.0"')}${o.extra ?? ''}environment:
  contents:
    packages:
      - busybox
pipeline:
  - ${step}runs: |
${body}
`;
}

/** Writes `busyboxRecipe` to `<repo.base>/recipes/<name>/` and returns its path. */
export function writeGuestRecipe(repo: GuestRepo, name: string, runs: string, o: GuestRecipeOptions = {}): string {
  const dir = join(repo.base, 'recipes', name);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, o.file ?? `${name}.yaml`);
  writeFileSync(file, busyboxRecipe(name, runs, o));
  return file;
}

/** `buildRecipe` options over the guest repository: x86_64 in bubblewrap, its keys and package cache. */
export function guestBuildOptions(
  repo: GuestRepo,
  outDir: string,
  extra: Partial<BuildRecipeOptions> = {},
): BuildRecipeOptions {
  return {
    arch: 'x86_64',
    outDir,
    runner: 'bubblewrap',
    repositories: [repo.dir],
    keys: [repo.keysDir],
    packageCacheDir: repo.packageCacheDir,
    ...extra,
  };
}
