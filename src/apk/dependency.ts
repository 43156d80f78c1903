/**
 * apk dependencies: `[!]name[@tag][op version]` and identity pins `name><Q1…`, as apk-tools 2.14
 * reads them from world, the command line and `D:`/`p:`/`i:` lists.
 */
import { LupineError } from '../core/index.js';
import {
  compareVersionsMask,
  DEPMASK_ANY,
  DEPMASK_CHECKSUM,
  isValidVersion,
  operatorMask,
  operatorString,
  VERSION_FUZZY,
} from './version.js';

export interface Dependency {
  readonly name: string;
  /** `!name`: the name must not be provided. */
  readonly conflict: boolean;
  /** Repository tag without the `@` ('' when none). Only meaningful in world. */
  readonly tag: string;
  /** Operator bits (VERSION_LESS|EQUAL|GREATER|FUZZY); DEPMASK_ANY when there is no version. */
  readonly mask: number;
  /** The version (or identity for `><`); null when the dependency has no version. */
  readonly version: string | null;
  /** The version is not a valid apk version: the dependency can never be satisfied. */
  readonly broken: boolean;
}

/** `<` `>` `=` `~`: the characters of an operator. */
function isComparer(c: number): boolean {
  return c === 60 || c === 62 || c === 61 || c === 126;
}

/** Reads one dependency token; undefined when it is not a dependency at all (apk's "fail"). */
export function tryParseDependency(token: string): Dependency | undefined {
  // One scan over char codes: these tokens are parsed by the thousand when an index is loaded.
  const n = token.length;
  const conflict = n > 0 && token.charCodeAt(0) === 33; /* ! */
  const start = conflict ? 1 : 0;
  let opStart = start;
  let at = -1;
  for (; opStart < n; opStart++) {
    const c = token.charCodeAt(opStart);
    if (isComparer(c)) break;
    if (c === 64 /* @ */ && at < 0) at = opStart;
  }
  let mask = DEPMASK_ANY;
  let version: string | null = null;
  let broken = false;
  if (opStart < n) {
    let opEnd = opStart + 1;
    while (opEnd < n && isComparer(token.charCodeAt(opEnd))) opEnd++;
    if (opEnd === n) return undefined;
    mask = operatorMask(token.slice(opStart, opEnd));
    version = token.slice(opEnd);
    if ((mask & DEPMASK_CHECKSUM) !== DEPMASK_CHECKSUM && !isValidVersion(version)) broken = true;
  }
  const nameEnd = at >= 0 ? at : opStart;
  if (nameEnd === start) return undefined;
  const name = start === 0 && nameEnd === n ? token : token.slice(start, nameEnd);
  const tag = at >= 0 ? token.slice(at + 1, opStart) : '';
  return { name, conflict, tag, mask, version, broken };
}

/**
 * The name a dependency token refers to (`!foo@tag>=1` → `foo`) without parsing the rest; what apk's
 * reverse-dependency lists use, so tokens that are not dependencies still name something.
 */
export function dependencyTokenName(s: string): string | undefined {
  let i = s.charCodeAt(0) === 33 /* ! */ ? 1 : 0;
  const start = i;
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    // < = > ~ @
    if (c === 60 || c === 61 || c === 62 || c === 126 || c === 64) break;
  }
  if (i === start) return undefined;
  return start === 0 && i === s.length ? s : s.slice(start, i);
}

/** The apk error for a bad command-line dependency. */
export function badDependencyError(token: string, kind: 'world' | 'child' = 'world'): LupineError {
  const format = kind === 'world' ? 'name(@tag)([<>~=]version)' : 'name([<>~=]version)';
  return new LupineError('APK_BAD_DEPENDENCY', `'${token}' is not a valid ${kind} dependency, format is ${format}`, {
    details: { dependency: token },
    hint: 'write a dependency like foo, foo@tag, foo>=1.2 or foo~1.2',
  });
}

/** Parses one world/command-line dependency; throws APK_BAD_DEPENDENCY like `apk add` does. */
export function parseDependency(token: string, kind: 'world' | 'child' = 'world'): Dependency {
  const dep = /[ \n]/.test(token) ? undefined : tryParseDependency(token);
  if (!dep || dep.broken || (kind === 'child' && dep.tag !== '')) throw badDependencyError(token, kind);
  return dep;
}

/**
 * Parses a space/newline separated list (world file, `D:` lines). Entries with invalid versions are
 * kept and marked broken; an entry that is not a dependency at all throws APK_BAD_DEPENDENCY.
 */
export function parseDependencyList(text: string): Dependency[] {
  const out: Dependency[] = [];
  for (const token of text.split(/[ \n]+/)) {
    if (token === '') continue;
    const dep = tryParseDependency(token);
    if (!dep) throw badDependencyError(token);
    out.push(dep);
  }
  return out;
}

/** apk's text for a dependency (`apk_blob_push_dep`): `!name@tag>=1.2`. */
export function formatDependency(dep: Dependency): string {
  let s = dep.conflict ? `!${dep.name}` : dep.name;
  if (dep.tag) s += `@${dep.tag}`;
  if (dep.version !== null) s += operatorString(dep.mask) + dep.version;
  return s;
}

/** A dependency value to build in code. */
export function makeDependency(
  name: string,
  opts: { conflict?: boolean; tag?: string; op?: string; version?: string } = {},
): Dependency {
  const version = opts.version ?? null;
  const mask = version === null ? DEPMASK_ANY : operatorMask(opts.op ?? '=');
  return {
    name,
    conflict: opts.conflict ?? false,
    tag: opts.tag ?? '',
    mask,
    version,
    broken: version !== null && mask !== DEPMASK_CHECKSUM && !isValidVersion(version),
  };
}

/**
 * Whether a provider (a package's own name/version, a `p:` entry, or nothing) satisfies the
 * dependency (`apk_dep_is_provided`). `providedVersion` null means an unversioned provide;
 * `identity` is the provider package's `C:` for `><` pins. `present` false means no provider.
 */
export function dependencyMatches(
  dep: Dependency,
  present: boolean,
  providedVersion: string | null,
  identity = '',
): boolean {
  if (!present) return dep.conflict;
  if (dep.mask === DEPMASK_CHECKSUM) return identity !== '' && identity === dep.version;
  if (dep.mask === DEPMASK_ANY || dep.version === null) return !dep.conflict;
  if (providedVersion === null || dep.broken) return dep.conflict;
  const r = compareVersionsMask(providedVersion, dep.version, (dep.mask & VERSION_FUZZY) !== 0);
  return (r & dep.mask) !== 0 ? !dep.conflict : dep.conflict;
}
