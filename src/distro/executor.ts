/**
 * The executor: how ONE recipe gets run. The scheduler keeps the graph, the incremental decisions,
 * the logs and the final repository; once it has decided that a recipe must be (re)built it hands
 * an `ExecuteRequest` to the executor and waits for the packages to be in `<outDir>/<arch>/`.
 *
 * The request carries everything a remote executor needs and nothing that lives only in this
 * process: the recipe node (its file), its input hashes, its input identity, and the outputs of
 * every recipe it builds against (transitively) with their identities. So `local` (run the builder
 * here, today's behaviour), `bullmq` (a job per recipe for workers on other machines) and, later, a
 * Kubernetes-Job executor (one pod per recipe, reading the same request from the same store) all
 * fit the same two calls.
 */
import { createHash } from 'node:crypto';
import type { BuildRequest, BuildResult, PackageBuilder } from './builder.js';
import type { RecipeNode } from './recipe-node.js';
import type { BuiltOutput, RecipeInputs } from './state.js';

/** A recipe this one builds against, as it is now (built or up to date). */
export interface BuiltDependency {
  /** The recipe's name. */
  readonly name: string;
  /** Its input identity (the store's tag for its outputs). */
  readonly identity: string;
  readonly outputs: readonly BuiltOutput[];
}

/** What the executor reports while a recipe runs elsewhere (which worker took it). */
export interface ExecuteProgress {
  readonly worker: string;
}

export interface ExecuteRequest extends BuildRequest {
  readonly inputs: RecipeInputs;
  /** See `inputIdentity`. */
  readonly identity: string;
  /** Every recipe it depends on, transitively, in build order. */
  readonly needs: readonly BuiltDependency[];
  /** `--force`: build it even when outputs of this identity are already stored (a remote cache). */
  readonly force?: boolean;
  /** Called when a remote worker takes (or takes over) the recipe. */
  readonly onProgress?: (p: ExecuteProgress) => void;
}

/** Runs one recipe and leaves its packages in `<outDir>/<arch>/`, merged into the index. */
export interface RecipeExecutor {
  /** 'local', 'bullmq', … (shown in logs). */
  readonly kind: string;
  execute(request: ExecuteRequest): Promise<BuildResult>;
  /** Releases connections; the executor is not used afterwards. */
  close(): Promise<void>;
}

/** Today's behaviour: the builder runs here, in this process, one sandbox per recipe. */
export class LocalExecutor implements RecipeExecutor {
  readonly kind = 'local';
  readonly #builder: PackageBuilder;

  constructor(builder: PackageBuilder) {
    this.#builder = builder;
  }

  execute(request: ExecuteRequest): Promise<BuildResult> {
    const { node, arch, outDir, logger, signal } = request;
    return this.#builder.build({ node, arch, outDir, logger, ...(signal ? { signal } : {}) });
  }

  async close(): Promise<void> {}
}

export interface IdentityInput {
  readonly node: RecipeNode;
  readonly arch: string;
  readonly inputs: RecipeInputs;
  /** Each package it builds against, with its identity. */
  readonly against: readonly { readonly name: string; readonly version: string; readonly identity: string }[];
  /** What builds it: the tool's version and anything that changes every build (pipelines, tests on/off). */
  readonly toolchain: string;
}

/**
 * A recipe's input identity (64 hex digits): sha256 over the recipe bytes (hash), its folder
 * (hash), host packages (stage 0), the architecture, the identities of everything it builds
 * against, and the toolchain. Two machines that agree on these build the same packages, so it is
 * the tag of the recipe's outputs in a shared store.
 */
export function inputIdentity(x: IdentityInput): string {
  const h = createHash('sha256');
  const line = (k: string, v: string) => h.update(`${k} ${v}\n`);
  line('lupine-distro-identity', '1');
  line('name', x.node.name);
  line('version', x.node.fullVersion);
  line('runner', x.node.runner);
  line('arch', x.arch);
  line('recipe', x.inputs.recipeHash);
  line('folder', x.inputs.folderHash);
  line('host', x.inputs.hostPackages ?? '');
  line('toolchain', x.toolchain);
  for (const a of [...x.against].sort((p, q) => (p.name < q.name ? -1 : p.name > q.name ? 1 : 0))) {
    line('against', `${a.name}=${a.version} ${a.identity}`);
  }
  return h.digest('hex');
}
