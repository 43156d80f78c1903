/**
 * A fake PackageBuilder for scheduler tests (the real one runs melange builds): it "builds" a
 * recipe instantly, with an identity derived from the recipe's content and the identities of what
 * it was built against, and records the order, the concurrency and every call.
 */
import { createHash } from 'node:crypto';
import type { BuildRequest, BuildResult, PackageBuilder, RecipeGraph, RecipeLog } from '../../../src/distro/index.js';

export class FakeBuilder implements PackageBuilder {
  readonly calls: string[] = [];
  readonly finished: string[] = [];
  /** Recipe name → its content; change it to simulate an edit that changes the package. */
  readonly content = new Map<string, string>();
  /** Names whose build throws. */
  readonly failing = new Set<string>();
  /** When true, a package's identity ignores its dependencies (a reproducible rebuild). */
  reproducible = false;
  running = 0;
  maxRunning = 0;
  /** Violations seen: a recipe started before one of its dependencies finished. */
  readonly violations: string[] = [];
  readonly #graph: RecipeGraph;
  readonly #identities = new Map<string, string>();

  constructor(graph: RecipeGraph) {
    this.#graph = graph;
  }

  async build(request: BuildRequest): Promise<BuildResult> {
    const name = request.node.name;
    this.calls.push(name);
    const deps = [...(this.#graph.deps.get(name)?.keys() ?? [])];
    for (const d of deps)
      if (!this.finished.includes(d) && this.calls.includes(d)) this.violations.push(`${name} before ${d}`);
    this.running++;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    try {
      for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
      if (this.failing.has(name)) throw new Error(`fake failure of ${name}`);
      const h = createHash('sha256').update(`${name}\n${this.content.get(name) ?? ''}\n`);
      if (!this.reproducible) for (const d of deps) h.update(`${d}=${this.#identities.get(d) ?? ''}\n`);
      const identity = `Q1${h.digest('base64')}`;
      this.#identities.set(name, identity);
      request.logger.info(`fake build of ${name}`);
      return {
        packages: request.node.packages.map((p) => ({
          name: p,
          version: request.node.fullVersion,
          identity: p === name ? identity : `${identity}:${p}`,
          path: `${request.arch}/${p}-${request.node.fullVersion}.apk`,
        })),
      };
    } finally {
      this.running--;
      this.finished.push(name);
    }
  }
}

export const nullLog = async (name: string): Promise<RecipeLog> => ({
  path: `logs/${name}.log`,
  logger: { info() {}, warn() {}, debug() {} },
  close: async () => {},
});
