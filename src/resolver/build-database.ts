/**
 * `buildDatabase(input)`: the graph for one solve, its sources in apk's order: the installed
 * database, the repositories as configured, then local packages. Package lists are packed (once per
 * list object) unless a repository comes packed already.
 */
import type { PackageInfo } from '../apk/index.js';
import { type PackedIndex, PF_DUPLICATE, packIndex } from '../repo/index.js';
import { Database, type SourceRole, type Tag } from './model.js';
import type { Source } from './nodes.js';
import type { SolveInput } from './types.js';

/** Packs of package lists already seen (the same repository list solved again is packed once). */
const packed = new WeakMap<readonly PackageInfo[], { pack: PackedIndex; length: number }>();

function packOf(list: readonly PackageInfo[]): PackedIndex {
  const hit = packed.get(list);
  if (hit !== undefined && hit.length === list.length) return hit.pack;
  const pack = packIndex(list);
  packed.set(list, { pack, length: list.length });
  return pack;
}

const NONE: SourceRole = { repoBit: 0, installed: false, cacheOnly: false, local: false };

/** Builds the database for one solve: installed first, then repositories in order, then local packages. */
export function buildDatabase(input: SolveInput): Database {
  const db = new Database(input.arch ?? '');
  if (input.reverseOrder) db.reverseOrder = input.reverseOrder;
  // apk reads world first, so its tags are numbered before the repositories' own.
  for (const d of input.world) if (d.tag) db.tagId(d.tag);
  const installed = input.installed ?? [];
  // ... then the installed database, whose tags come before the repositories' own.
  for (const info of installed) {
    const tag = input.installedTags?.[info.name];
    if (tag) db.tagId(tag);
  }
  db.addSource(packOf(installed), { ...NONE, installed: true });
  input.repositories.forEach((repo, i) => {
    const bit = 1 << (i + 1);
    const tag = db.tagId(repo.tag ?? '');
    const pack = repo.packed ?? packOf(repo.packages);
    db.addSource(pack, repo.cacheOnly ? { ...NONE, cacheOnly: true } : { ...NONE, repoBit: bit });
    if (!repo.cacheOnly) {
      if (repo.available !== false) db.availableRepos |= bit;
      (db.tags[tag] as Tag).allowedRepos |= bit;
    }
  });
  const local = input.localPackages ?? [];
  db.addSource(packOf(local), { ...NONE, local: true });
  // Installed packages exist before anything is solved; every record merging into one of them is
  // gathered now (through their names' providers) so their repository bits are complete.
  const inst = db.sources[0] as Source;
  for (let i = 0; i < installed.length; i++) {
    if ((inst.pack.pkgFlags[i] as number) & PF_DUPLICATE) continue;
    const pkg = db.pkgAt(inst, i);
    const tag = input.installedTags?.[pkg.name.name];
    if (tag) pkg.installedTag = db.tagId(tag);
  }
  for (const pkg of db.installed) void pkg.name.providers;
  const loc = db.sources[db.sources.length - 1] as Source;
  for (let i = 0; i < local.length; i++) {
    if (!((loc.pack.pkgFlags[i] as number) & PF_DUPLICATE)) void db.pkgAt(loc, i).name.providers;
  }
  for (const nf of input.nameFlags ?? []) {
    const name = db.getName(nf.name);
    name.solverFlagsSet = true;
    for (let j = 0, xs = name.providers; j < xs.length; j++) {
      const p = xs[j]!;
      p.pkg.presetFlags |= nf.flags;
      p.pkg.presetInheritable |= nf.inheritable;
    }
  }
  return db;
}
