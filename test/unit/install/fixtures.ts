import { createHash } from 'node:crypto';
import { lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PackageInfo } from '../../../src/apk/index.js';
import type { LockedPackage, OpenRepository } from '../../../src/install/index.js';
import { loadKeyring, readApkIndexArchive } from '../../../src/repo/index.js';
import { vector } from '../../helpers/paths.js';

export const goldenPackages = vector('apko', 'golden-testdata', 'packages');

export function tempRoot(label: string): string {
  return mkdtempSync(join(tmpdir(), `lupine-${label}-`));
}

/** The locked set for `names` from the signed golden-testdata index (its signature checked). */
export async function goldenLockedSet(names: readonly string[], arch = 'x86_64'): Promise<LockedPackage[]> {
  const keys = await loadKeyring([goldenPackages]);
  const index = readApkIndexArchive(readFileSync(join(goldenPackages, arch, 'APKINDEX.tar.gz')), { keys });
  return names.map((name) => {
    const p = index.packages.find((x) => x.name === name);
    if (!p) throw new Error(`${name} is not in the golden index`);
    const file = join(goldenPackages, arch, `${p.name}-${p.version}.apk`);
    return {
      name: p.name,
      version: p.version,
      identity: p.identity,
      arch: p.arch,
      repository: goldenPackages,
      fetch: async () => readFileSync(file),
    };
  });
}

/** `type mode uid:gid size path [link]` for every path under root, as in apk-tools-out's tree.txt. */
export function listTree(root: string, opts: { dirSizes?: boolean; exclude?: string[] } = {}): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const name of readdirSync(join(root, rel)).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      if (opts.exclude?.includes(r)) continue;
      const st = lstatSync(join(root, r));
      const type = st.isDirectory()
        ? 'd'
        : st.isSymbolicLink()
          ? 'l'
          : st.isCharacterDevice()
            ? 'c'
            : st.isBlockDevice()
              ? 'b'
              : st.isFIFO()
                ? 'p'
                : 'f';
      const size = type === 'd' && !opts.dirSizes ? '-' : String(type === 'c' || type === 'b' ? 0 : st.size);
      const link = type === 'l' ? readlinkSync(join(root, r)) : '';
      out.push(`${type} ${(st.mode & 0o7777).toString(8)} ${st.uid}:${st.gid} ${size} ./${r} ${link}`);
      if (type === 'd') walk(r);
    }
  };
  walk('');
  return out.sort((a, b) => (a.split(' ')[4]! < b.split(' ')[4]! ? -1 : 1));
}

/** A hash of everything under root: paths, types, modes, owners, link targets, contents, file mtimes. */
export function hashTree(root: string, exclude: string[] = []): string {
  const h = createHash('sha256');
  const walk = (rel: string) => {
    for (const name of readdirSync(join(root, rel)).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      if (exclude.includes(r)) continue;
      const p = join(root, r);
      const st = lstatSync(p);
      h.update(`${r}\0${st.mode}\0${st.uid}:${st.gid}\0`);
      if (st.isSymbolicLink()) h.update(readlinkSync(p));
      else if (st.isFile()) h.update(`${st.mtimeMs}\0`).update(readFileSync(p));
      else if (st.isDirectory()) walk(r);
      h.update('\0');
    }
  };
  walk('');
  return h.digest('hex');
}

/** An opened local repository at `dir` holding `packages` (nothing fetched: each fetch gives no bytes). */
export function openedRepository(dir: string, packages: PackageInfo[]): OpenRepository {
  return {
    name: dir,
    url: dir,
    entry: { url: dir, tag: undefined, tags: [''], scheme: 'path', location: 'test' },
    tag: undefined,
    description: '',
    packages,
    fromCache: false,
    packageUrl: (p) => `${dir}/x86_64/${p.name}-${p.version}.apk`,
    fetch: async () => new Uint8Array(0),
  };
}
