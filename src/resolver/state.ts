/** Per-solve state of names and packages (apk's `name->ss` and `pkg->ss`). */
import type { Name, Pkg, Provider } from './model.js';

export interface NameState {
  seen: boolean;
  /** Discovered names depending on this one, in `rdepends` order (set once discovery is over). */
  rdependsSeen: Name[] | null;
  /** discover(): every install_if user before this index of `rinstallIf` is seen. */
  rinstallIfScan: number;
  locked: boolean;
  requirers: number;
  chosen: Provider | null;
  hasOptions: boolean;
  hasIif: boolean;
  noIif: boolean;
  reevaluateDeps: boolean;
  reevaluateIif: boolean;
  reverseDepsDone: boolean;
  hasVirtualProvides: boolean;
  hasAutoSelectable: boolean;
  iifNeeded: boolean;
  resolveNow: boolean;
  mergeDepends: number;
  mergeProvides: number;
  orderId: number;
  inDirty: boolean;
  queue: 0 | 1 | 2 | 3;
  // changeset generation
  installedPkg: Pkg | null;
  installedName: Name | null;
  csRequirers: number;
  processed: boolean;
  removed: boolean;
  // error report
  stateInt: number;
}

export interface PkgState {
  seen: boolean;
  /** discover(): every provided name before this index is seen. */
  providesScan: number;
  error: boolean;
  selectable: boolean;
  available: boolean;
  conflicts: number;
  dependenciesMerged: boolean;
  dependenciesUsed: boolean;
  iifTriggered: boolean;
  iifFailed: boolean;
  tagOk: boolean;
  tagPreferred: boolean;
  flags: number;
  flagsInheritable: number;
  pinningAllowed: number;
  pinningPreferred: number;
  inChangeset: boolean;
}

export function freshNameState(): NameState {
  return {
    seen: false,
    rdependsSeen: null,
    rinstallIfScan: 0,
    locked: false,
    requirers: 0,
    chosen: null,
    hasOptions: false,
    hasIif: false,
    noIif: false,
    reevaluateDeps: false,
    reevaluateIif: false,
    reverseDepsDone: false,
    hasVirtualProvides: false,
    hasAutoSelectable: false,
    iifNeeded: false,
    resolveNow: false,
    mergeDepends: 0,
    mergeProvides: 0,
    orderId: 0,
    inDirty: false,
    queue: 0,
    installedPkg: null,
    installedName: null,
    csRequirers: 0,
    processed: false,
    removed: false,
    stateInt: 0,
  };
}

export function freshPkgState(): PkgState {
  return {
    seen: false,
    providesScan: 0,
    error: false,
    selectable: false,
    available: false,
    conflicts: 0,
    dependenciesMerged: false,
    dependenciesUsed: false,
    iifTriggered: false,
    iifFailed: false,
    tagOk: false,
    tagPreferred: false,
    flags: 0,
    flagsInheritable: 0,
    pinningAllowed: 0,
    pinningPreferred: 0,
    inChangeset: false,
  };
}
