/**
 * Incremental state (pure): what each recipe was last built from and what it made, and the rule
 * that says whether a recipe must be rebuilt and why. The file itself is read and written by
 * `state-file.ts`.
 */
import { LupineError } from '../core/index.js';
import type { RecipeNode } from './recipe-node.js';

export const STATE_FILE = '.lupine-distro-state.json';

/** One package a recipe made. `path` is relative to the output directory. */
export interface BuiltOutput {
  readonly name: string;
  /** `version-rN`. */
  readonly version: string;
  /** The package's identity (apk checksum of its control section, `Q1…`), or any stable digest. */
  readonly identity: string;
  readonly path: string;
}

/** The identity of one package a recipe built against. */
export interface AgainstEntry {
  readonly version: string;
  readonly identity: string;
}

export interface RecipeRecord {
  readonly fullVersion: string;
  /** sha256 of the recipe file. */
  readonly recipeHash: string;
  /** sha256 over the folder beside the recipe (see `hashFolder`); '' when there is none. */
  readonly folderHash: string;
  /** Stage 0: the host packages it imported from, `name=version …` (absent for hermetic recipes). */
  readonly hostPackages?: string;
  /** Every package of every recipe it depends on, by name, as it was when this recipe was built. */
  readonly against: Readonly<Record<string, AgainstEntry>>;
  readonly outputs: readonly BuiltOutput[];
}

export interface DistroState {
  readonly version: 1;
  /** Per architecture: recipe name → record. */
  readonly arches: Readonly<Record<string, Readonly<Record<string, RecipeRecord>>>>;
}

export const emptyState = (): DistroState => ({ version: 1, arches: {} });

/** What a recipe is built from now. */
export interface RecipeInputs {
  readonly recipeHash: string;
  readonly folderHash: string;
  /** Stage 0: the host packages it imports, as installed now (`name=version …`). */
  readonly hostPackages?: string;
}

/** A dependency package as it is now; `identity` undefined when it is still to be (re)built. */
export interface CurrentDependency {
  readonly name: string;
  readonly version: string;
  readonly identity: string | undefined;
}

export type Decision =
  | { readonly build: true; readonly reason: string }
  | { readonly build: false; readonly reason: 'up to date' };

/**
 * Whether `node` must be built, and the first reason why (checked in this order): never built,
 * version changed, recipe changed, folder changed, host packages changed (stage 0), a dependency changed identity (or appeared, or
 * is still to be rebuilt, or went away), an output missing. `--force` always builds.
 */
export function decide(
  node: RecipeNode,
  inputs: RecipeInputs,
  record: RecipeRecord | undefined,
  deps: readonly CurrentDependency[],
  missingOutput: string | undefined,
  force = false,
): Decision {
  if (force) return { build: true, reason: 'forced' };
  if (!record) return { build: true, reason: 'never built' };
  if (record.fullVersion !== node.fullVersion) {
    return { build: true, reason: `version changed (${record.fullVersion} → ${node.fullVersion})` };
  }
  if (record.recipeHash !== inputs.recipeHash) return { build: true, reason: 'recipe changed' };
  if (record.folderHash !== inputs.folderHash) return { build: true, reason: 'recipe folder changed' };
  if ((record.hostPackages ?? '') !== (inputs.hostPackages ?? '')) {
    return { build: true, reason: `host packages changed (now ${inputs.hostPackages || 'none'})` };
  }
  const seen = new Set<string>();
  for (const d of [...deps].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    seen.add(d.name);
    const label = `${d.name}-${d.version}`;
    if (d.identity === undefined) return { build: true, reason: `dependency ${d.name} is rebuilt first` };
    const was = record.against[d.name];
    if (!was) return { build: true, reason: `new dependency ${label}` };
    if (was.version !== d.version || was.identity !== d.identity) {
      return { build: true, reason: `dependency ${label} changed identity` };
    }
  }
  for (const name of Object.keys(record.against).sort()) {
    if (!seen.has(name)) return { build: true, reason: `dependency ${name} went away` };
  }
  if (missingOutput !== undefined) return { build: true, reason: `output missing (${missingOutput})` };
  return { build: false, reason: 'up to date' };
}

/** The `against` map of a record: every current dependency package with its identity. */
export function againstOf(deps: readonly CurrentDependency[]): Record<string, AgainstEntry> {
  const out: Record<string, AgainstEntry> = {};
  for (const d of [...deps].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (d.identity !== undefined) out[d.name] = { version: d.version, identity: d.identity };
  }
  return out;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parses the state file's text; a file that is not ours is DISTRO_BAD_STATE. */
export function parseState(text: string, file = STATE_FILE): DistroState {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new LupineError('DISTRO_BAD_STATE', `${file} is not JSON: ${(err as Error).message}`, {
      details: { file },
      hint: 'delete it to rebuild everything',
    });
  }
  if (!isRecord(doc) || doc.version !== 1 || !isRecord(doc.arches)) {
    throw new LupineError('DISTRO_BAD_STATE', `${file} is not a lupine distro state (version 1)`, {
      details: { file },
      hint: 'delete it to rebuild everything',
    });
  }
  return doc as unknown as DistroState;
}

/** Stable JSON: keys sorted, two-space indent, final newline. */
export function formatState(state: DistroState): string {
  const sortKeys = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sortKeys)
      : isRecord(v)
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, sortKeys(v[k])]),
          )
        : v;
  return `${JSON.stringify(sortKeys(state), null, 2)}\n`;
}

/** A copy of `state` with `arch`'s records replaced. */
export function withArchRecords(
  state: DistroState,
  arch: string,
  records: Readonly<Record<string, RecipeRecord>>,
): DistroState {
  return { version: 1, arches: { ...state.arches, [arch]: records } };
}
