/**
 * Test fixture for image builds: signed packages and a signed APKINDEX made in the test, in a
 * repository directory `<dir>/<arch>/`, with the public key at `<dir>/test.rsa.pub`.
 */
import { createPrivateKey } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { gunzipSync } from 'node:zlib';
import {
  emptyPackageInfo,
  generateRsaKeyPair,
  type PackageInfo,
  readPackage,
  type TreeEntry,
  writePackage,
} from '../../src/apk/index.js';
import { readTar, type TarEntry } from '../../src/archive/index.js';
import { fixedClock } from '../../src/core/index.js';
import { writeApkIndexArchive } from '../../src/repo/index.js';
import { runCli } from '../helpers/cli.js';

export interface FixturePackage {
  readonly name: string;
  readonly version?: string;
  readonly origin?: string;
  readonly depends?: readonly string[];
  readonly provides?: readonly string[];
  readonly replaces?: readonly string[];
  readonly license?: string;
  readonly files: readonly TreeEntry[];
  /** Build date (and every mtime), default 1700000000. */
  readonly buildTime?: number;
  readonly scripts?: Readonly<Record<string, string>>;
}

let keyPair: Awaited<ReturnType<typeof generateRsaKeyPair>> | undefined;

export const KEY_NAME = 'test.rsa.pub';

/** Writes the packages and a signed index for `arch` under `dir`; returns the key path. */
export async function makeRepo(dir: string, arch: string, packages: readonly FixturePackage[]): Promise<string> {
  keyPair ??= await generateRsaKeyPair(2048);
  const key = createPrivateKey(keyPair.privatePem);
  mkdirSync(join(dir, arch), { recursive: true });
  const infos: PackageInfo[] = [];
  for (const p of packages) {
    const info: PackageInfo = {
      ...emptyPackageInfo(p.name, p.version ?? '1.0.0-r0'),
      arch,
      origin: p.origin ?? p.name,
      license: p.license ?? 'MIT',
      description: `${p.name} (test)`,
      depends: [...(p.depends ?? [])],
      provides: [...(p.provides ?? [])],
      replaces: [...(p.replaces ?? [])],
      buildTime: p.buildTime ?? 1700000000,
    };
    const bytes = writePackage({
      files: p.files,
      info,
      clock: fixedClock(p.buildTime ?? 1700000000),
      signingKey: { key, keyName: KEY_NAME },
      ...(p.scripts ? { scripts: p.scripts } : {}),
    });
    writeFileSync(join(dir, arch, `${info.name}-${info.version}.apk`), bytes);
    infos.push(readPackage(bytes).info);
  }
  writeFileSync(
    join(dir, arch, 'APKINDEX.tar.gz'),
    writeApkIndexArchive(infos, { signingKey: key, keyName: KEY_NAME }),
  );
  const keyPath = join(dir, KEY_NAME);
  writeFileSync(keyPath, keyPair.publicPem);
  return keyPath;
}

export const dir = (path: string): TreeEntry => ({ path, type: 'dir' });
export const file = (path: string, data: string | Uint8Array, mode?: number): TreeEntry => ({
  path,
  type: 'file',
  data: typeof data === 'string' ? Buffer.from(data) : data,
  ...(mode === undefined ? {} : { mode }),
});
export const symlink = (path: string, target: string): TreeEntry => ({ path, type: 'symlink', linkname: target });

/** A baselayout with root and nonroot (65532) accounts and an os-release. */
export function baselayout(): FixturePackage {
  return {
    name: 'test-baselayout',
    files: [
      dir('etc'),
      file('etc/passwd', 'root:x:0:0:root:/root:/bin/sh\nnonroot:x:65532:65532:nonroot:/home/nonroot:/bin/false\n'),
      file('etc/group', 'root:x:0:\nnonroot:x:65532:\n'),
      file('etc/os-release', 'ID=lupinetest\nNAME="Lupine Test"\nPRETTY_NAME="Lupine Test"\nVERSION_ID="1.0"\n'),
      dir('home'),
      dir('root'),
    ],
  };
}

/** The packages most image tests use: a baselayout, a fake busybox, an app with a library, s6. */
export const standardPackages = (appVersion: string): FixturePackage[] => [
  baselayout(),
  {
    name: 'busybox',
    files: [
      dir('bin'),
      file('bin/busybox', '#!fake busybox\n', 0o755),
      dir('etc'),
      dir('etc/busybox-paths.d'),
      file('etc/busybox-paths.d/busybox', '/bin/sh\n/bin/ls\n/usr/bin/env\n'),
    ],
  },
  {
    name: 'app',
    version: appVersion,
    depends: ['test-baselayout', 'libfoo'],
    scripts: { 'post-install': '#!/bin/sh\ntouch /script-ran\n' },
    files: [
      dir('usr'),
      dir('usr/bin'),
      file('usr/bin/app', `app ${appVersion}\n`, 0o755),
      dir('usr/share'),
      dir('usr/share/app'),
      file('usr/share/app/data', 'x'.repeat(5000)),
    ],
  },
  {
    name: 'libfoo',
    origin: 'foo',
    files: [
      dir('usr'),
      dir('usr/lib'),
      {
        ...file('usr/lib/libfoo.so.1', 'ELF'.repeat(1000)),
        xattrs: { 'security.capability': Buffer.from([1, 0, 0, 2]) },
      },
      symlink('usr/lib/libfoo.so', 'libfoo.so.1'),
    ],
  },
  { name: 's6', files: [dir('bin'), file('bin/s6-svscan', 'fake s6\n', 0o755)] },
  {
    name: 'libfoo-extra',
    origin: 'foo',
    files: [dir('usr'), dir('usr/lib'), file('usr/lib/libfoo-extra.so', 'x')],
  },
];

/** An image config using most apko keys, over `standardPackages`. */
export function standardConfig(key: string, repo: string, extra = ''): string {
  return `contents:
  keyring:
    - ${key}
  repositories:
    - ${repo}
  packages:
    - app
    - busybox
entrypoint:
  command: /usr/bin/app --serve
cmd: -v
work-dir: /home/svc
stop-signal: SIGTERM
volumes:
  - /data
accounts:
  groups:
    - groupname: svc
      gid: 1000
  users:
    - username: svc
      uid: 1000
      gid: 1000
  run-as: svc
environment:
  FOO: bar
paths:
  - path: /data
    type: directory
    uid: 1000
    gid: 1000
    permissions: 0o750
  - path: /usr/bin/app-link
    type: symlink
    source: /usr/bin/app
certificates:
  additional:
    - name: test-ca
      content: |
        -----BEGIN CERTIFICATE-----
        MIIBtest
        -----END CERTIFICATE-----
archs:
  - x86_64
${extra}`;
}

/** The first image of a layout (through its index): config and each layer's entries. */
export const layerEntries = (layout: string) => {
  const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8')) as { manifests: { digest: string }[] };
  const blob = (d: string) => readFileSync(join(layout, 'blobs/sha256', d.slice(7)));
  const ix = JSON.parse(blob((index.manifests[0] as { digest: string }).digest).toString()) as {
    manifests: { digest: string }[];
  };
  const m = JSON.parse(blob((ix.manifests[0] as { digest: string }).digest).toString()) as {
    config: { digest: string };
    layers: { digest: string }[];
  };
  const cfg = JSON.parse(blob(m.config.digest).toString()) as { config: Record<string, unknown>; created: string };
  const layers = m.layers.map((l) => {
    const entries = new Map<string, { e: TarEntry; data: Buffer }>();
    for (const it of readTar(gunzipSync(blob(l.digest))).items)
      entries.set(it.entry.name, { e: it.entry, data: it.data });
    return entries;
  });
  return { cfg, layers };
};

/** Writes the config text into `work` and runs `image build` on it. */
export async function buildConfig(
  work: string,
  cfgText: string,
  out: string,
  env: Record<string, string | undefined>,
  args: string[] = [],
) {
  const cfgPath = join(work, `cfg-${Math.abs(hash(cfgText))}.yaml`);
  writeFileSync(cfgPath, cfgText);
  return runCli(['image', 'build', cfgPath, 'test/app:1', out, ...args], { cwd: work, env });
}

function hash(s: string): number {
  let h = 0;
  for (const c of s) h = (h * 31 + c.charCodeAt(0)) | 0;
  return h;
}

/** The environment without SOURCE_DATE_EPOCH. */
export const baseEnv = () => {
  const e: Record<string, string | undefined> = { ...process.env };
  delete e.SOURCE_DATE_EPOCH;
  return e;
};

/** A test file's work directory holding the standard x86_64 repository (see `standardWork`). */
export interface StandardWork {
  readonly work: string;
  readonly repo: string;
  /** The repository's public key file. */
  readonly key: string;
  /** `standardConfig` for this repository. */
  config(extra?: string): string;
  /** `buildConfig` in this work directory. */
  build(
    text: string,
    out: string,
    env: Record<string, string | undefined>,
    args?: string[],
  ): ReturnType<typeof buildConfig>;
}

/** Registers the hooks that make the work directory and repository before a file's tests and remove them after. */
export function standardWork(prefix: string): StandardWork {
  const at = { work: '', repo: '', key: '' };
  before(async () => {
    at.work = mkdtempSync(join(tmpdir(), prefix));
    at.repo = join(at.work, 'repo');
    at.key = await makeRepo(at.repo, 'x86_64', standardPackages('1.0.0-r0'));
  });
  after(() => rmSync(at.work, { recursive: true, force: true }));
  return {
    get work() {
      return at.work;
    },
    get repo() {
      return at.repo;
    },
    get key() {
      return at.key;
    },
    config: (extra = '') => standardConfig(at.key, at.repo, extra),
    build: (text, out, env, args = []) => buildConfig(at.work, text, out, env, args),
  };
}
