/**
 * A minimal guest built from the host's own binaries (there is no static busybox here): each
 * "package" is a few host executables plus the shared libraries `ldd` names, placed at the same
 * paths, put in an ExpandedPackageCache and assembled like any guest.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { sha256Hex } from '../../../src/core/index.js';
import { assembleGuest, ExpandedPackageCache, type PackageKey } from '../../../src/sandbox/index.js';

/** Host path → guest path of each executable, plus the libraries they need. */
function closure(binaries: ReadonlyArray<readonly [string, string]>): Array<[string, string]> {
  const out = new Map<string, string>();
  for (const [host, guest] of binaries) {
    out.set(guest, host);
    const ldd = execFileSync('ldd', [host], { encoding: 'utf8' });
    for (const line of ldd.split('\n')) {
      const m = /=>\s+(\/\S+)/.exec(line) ?? /^\s*(\/\S+)\s+\(/.exec(line);
      if (m?.[1]) out.set(m[1], m[1]);
    }
  }
  return [...out.entries()].map(([guest, host]) => [host, guest]);
}

/** Puts a package of host executables into the cache; returns its key. */
export async function hostPackage(
  cache: ExpandedPackageCache,
  name: string,
  binaries: ReadonlyArray<readonly [string, string]>,
): Promise<PackageKey> {
  const files = closure(binaries);
  const identity = sha256Hex(files.map(([h, g]) => `${h}:${g}:${statSync(h).size}:${statSync(h).mtimeMs}`).join('\n'));
  const key = { name, version: '1.0-r0', identity };
  await cache.put(key, async (tree) => {
    for (const [host, guest] of files) {
      const dest = join(tree, guest);
      mkdirSync(dirname(dest), { recursive: true });
      copyFileSync(host, dest);
    }
  });
  return key;
}

export interface HostGuest {
  readonly dir: string;
  readonly cache: ExpandedPackageCache;
  readonly root: string;
  readonly workspace: string;
  readonly cacheDir: string;
  cleanup(): void;
}

/** The tools the sandbox tests run. */
export const GUEST_TOOLS = ['cat', 'sleep', 'mkdir', 'touch', 'id', 'ls'];

/** A guest with /bin/sh (dash) and a few coreutils, a workspace and a cache directory, in a temp dir. */
export async function makeHostGuest(): Promise<HostGuest> {
  const dir = mkdtempSync(join(tmpdir(), 'lupine-sandbox-'));
  const cache = new ExpandedPackageCache(join(dir, 'expanded'));
  const shell = await hostPackage(cache, 'dash', [['/usr/bin/dash', '/bin/sh']]);
  const tools = await hostPackage(
    cache,
    'tools',
    GUEST_TOOLS.map((t) => [`/usr/bin/${t}`, `/usr/bin/${t}`] as const),
  );
  const root = join(dir, 'guest');
  await assembleGuest({ cache, packages: [shell, tools], target: root });
  const workspace = join(dir, 'workspace');
  const cacheDir = join(dir, 'melange-cache');
  mkdirSync(workspace);
  return { dir, cache, root, workspace, cacheDir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
