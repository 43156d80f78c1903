/** Provider preference (apk-tools 2.14 `compare_providers`): > 0 when A is better than B. */
import { compareVersions } from '../apk/index.js';
import type { Pkg, Provider } from './model.js';
import {
  SOLVER_AVAILABLE,
  SOLVER_INSTALLED,
  SOLVER_LATEST,
  SOLVER_REINSTALL,
  SOLVER_REMOVE,
  SOLVER_UPGRADE,
} from './types.js';

const DEFAULT_PINNING = 1;

const b = (v: boolean) => (v ? 1 : 0);

/** Index of the lowest set bit, 1-based; 0 when none (C `ffs`). */
function ffs(x: number): number {
  if (x === 0) return 0;
  let i = 1;
  while ((x & 1) === 0) {
    x >>>= 1;
    i++;
  }
  return i;
}

function versionOrder(a: string | null, b: string | null): number {
  if (a === null || b === null) return 0;
  return compareVersions(a, b);
}

export function compareProviders(pA: Provider | null, pB: Provider | null, selfUpgrade: boolean): number {
  if (!pA || !pB) return b(pA !== null) - b(pB !== null);
  const pkgA: Pkg = pA.pkg;
  const pkgB: Pkg = pB.pkg;
  const a = pkgA.ss;
  const bb = pkgB.ss;
  const flags = a.flags | bb.flags;
  let r: number;

  if (flags & SOLVER_LATEST && a.pinningAllowed === DEFAULT_PINNING && bb.pinningAllowed === DEFAULT_PINNING) {
    if ((r = b(a.tagOk) - b(bb.tagOk))) return r;
    if (flags & SOLVER_AVAILABLE) {
      if ((r = b(a.available) - b(bb.available))) return r;
    } else if (flags & SOLVER_REINSTALL) {
      if ((r = b(a.selectable) - b(bb.selectable))) return r;
    }
  } else {
    if ((r = b(a.selectable) - b(bb.selectable))) return r;
    if ((r = b(a.dependenciesUsed) - b(bb.dependenciesUsed))) return r;
    if ((r = bb.conflicts - a.conflicts)) return r;
    if ((selfUpgrade && !(flags & SOLVER_UPGRADE)) || flags & SOLVER_INSTALLED) {
      if ((r = b(pkgA.installed) - b(pkgB.installed))) return r;
    }
    if ((r = b(a.tagOk) - b(bb.tagOk))) return r;
    if (flags & SOLVER_AVAILABLE) {
      if ((r = b(a.available) - b(bb.available))) return r;
    }
    if ((r = b(a.tagPreferred) - b(bb.tagPreferred))) return r;
    const sameName = pkgA.name === pkgB.name;
    const comparable = sameName || pA.version !== null || pB.version !== null;
    // A name being deleted that is still needed keeps its installed version (apk-tools 2.14: `del b`
    // while `a` needs b changes nothing); only another name's provider replaces it.
    const removing = (flags & SOLVER_REMOVE) !== 0 && !sameName;
    if (!(flags & SOLVER_UPGRADE) && !removing && comparable) {
      if ((r = b(pkgA.installed) - b(pkgB.installed))) return r;
    }
  }
  if ((r = versionOrder(pA.version, pB.version))) return r;
  if (pkgA.name === pkgB.name && (r = compareVersions(pkgA.version, pkgB.version))) return r;
  if (!(flags & SOLVER_REMOVE) && (r = b(pkgA.installed) - b(pkgB.installed))) return r;
  if ((r = pkgA.providerPriority - pkgB.providerPriority)) return r;
  if ((r = b(a.selectable) - b(bb.selectable))) return r;
  return ffs(pkgB.repos) - ffs(pkgA.repos);
}
