/**
 * The recipe as decoded (melange's keys, plain values) and the compiled recipe the build runs
 * (camelCase, fully substituted, one architecture).
 */
import type { Locations } from '../../core/index.js';

/** A decoded YAML mapping (melange's keys as written). */
export type RawMap = Record<string, unknown>;

/** A decoded recipe file with the positions of its values. */
export interface RecipeSource {
  readonly file: string;
  readonly doc: RawMap;
  readonly locations: Locations;
}

/** A decoded pipeline file (`uses: name` → `<dir>/name.yaml`). */
export interface PipelineFile {
  readonly name: string;
  readonly file: string;
  readonly doc: RawMap;
  readonly locations: Locations;
}

/** Lookup of loaded pipeline files by `uses` name (pure; loading happens at the edge). */
export type PipelineLibrary = ReadonlyMap<string, PipelineFile>;

/** Where a value was written: `file:line:col`. */
export interface Origin {
  readonly file: string;
  readonly line: number;
  readonly col: number;
}

export interface CompiledStep {
  readonly name?: string;
  /** The pipeline file this step came from (`uses`), after expansion. */
  readonly uses?: string;
  /** The inputs the `uses` pipeline ran with: `with` values over defaults, substituted. */
  readonly with?: Readonly<Record<string, string>>;
  /** The script (comments stripped); absent for a step that only groups nested steps. */
  readonly runs?: string;
  readonly workingDirectory: string;
  /** Step environment (inherited from parents, overriding the guest environment). */
  readonly environment: Readonly<Record<string, string>>;
  readonly label?: string;
  /** Nested steps, `if` already applied. */
  readonly pipeline?: readonly CompiledStep[];
  readonly requiredSteps?: number;
  readonly origin: Origin;
}

export interface Dependencies {
  readonly runtime: readonly string[];
  readonly provides: readonly string[];
  readonly replaces: readonly string[];
  readonly providerPriority?: number;
  readonly replacesPriority?: number;
}

export interface PackageOptions {
  readonly noProvides: boolean;
  readonly noDepends: boolean;
  readonly noCommands: boolean;
  readonly noVersionedShlibDeps: boolean;
}

export interface Scriptlets {
  readonly preInstall?: string;
  readonly postInstall?: string;
  readonly preDeinstall?: string;
  readonly postDeinstall?: string;
  readonly preUpgrade?: string;
  readonly postUpgrade?: string;
  readonly trigger?: { readonly script: string; readonly paths: readonly string[] };
}

export interface Copyright {
  readonly license: string;
  readonly paths: readonly string[];
  readonly attestation?: string;
  readonly licensePath?: string;
  readonly detectionOverride?: string;
}

export interface SetCap {
  readonly path: string;
  readonly add: Readonly<Record<string, string>>;
  readonly reason: string;
}

/** The apko part of a build or test guest melange uses. */
export interface GuestEnvironment {
  readonly repositories: readonly string[];
  readonly keyring: readonly string[];
  readonly packages: readonly string[];
  readonly environment: Readonly<Record<string, string>>;
  readonly accounts: {
    readonly runAs?: string;
    readonly users: readonly { username: string; uid: number; gid: number; shell?: string; homedir?: string }[];
    readonly groups: readonly { groupname: string; gid: number; members: readonly string[] }[];
  };
  /** The decoded apko config as written (phase-1 substituted), for keys melange does not use. */
  readonly raw: RawMap;
}

export interface CompiledTest {
  readonly environment: GuestEnvironment;
  readonly pipeline: readonly CompiledStep[];
}

export interface CompiledPackage {
  readonly name: string;
  readonly description?: string;
  readonly url?: string;
  readonly commit?: string;
  readonly annotations: Readonly<Record<string, string>>;
  readonly dependencies: Dependencies;
  readonly options: PackageOptions;
  readonly scriptlets: Scriptlets;
  readonly checksDisabled: readonly string[];
  readonly checksEnabled: readonly string[];
  readonly setcap: readonly SetCap[];
  /** The package's output directory in the guest (`/home/build/melange-out/<name>`). */
  readonly outDir: string;
  readonly pipeline: readonly CompiledStep[];
  readonly test?: CompiledTest;
  readonly origin: Origin;
}

export interface CompiledRecipe {
  readonly arch: string;
  readonly file: string;
  readonly name: string;
  readonly version: string;
  readonly epoch: number;
  /** `version-r<epoch>`. */
  readonly fullVersion: string;
  readonly copyright: readonly Copyright[];
  readonly targetArchitecture: readonly string[];
  readonly cpe?: Readonly<Record<string, string>>;
  readonly timeout?: string;
  readonly resources?: Readonly<Record<string, string>>;
  readonly testResources?: Readonly<Record<string, string>>;
  readonly capabilities: { readonly add: readonly string[]; readonly drop: readonly string[] };
  /** The build guest: recipe packages plus `needs` of every step that runs, build options applied. */
  readonly environment: GuestEnvironment;
  readonly vars: Readonly<Record<string, string>>;
  readonly buildOptions: readonly string[];
  /** The main package first, then each subpackage in order. */
  readonly packages: readonly CompiledPackage[];
  readonly update?: RawMap;
}
