import { lstat, realpath, stat } from 'node:fs/promises';
import { type Logger, silentLogger } from '../core/index.js';
import type { RunnerOptions } from './bubblewrap-runner.js';
import { HOST_SECRET_PATHS, type HostFacts, type HostLayout, hostArgs } from './bwrap-args.js';
import { GUEST_CACHE } from './environment.js';
import { findBwrap, hostDir, readHostFacts, readHostTop } from './host-facts.js';
import type { GuestUser, SandboxRunner, Step, StepResult } from './runner.js';
import { spawnSandboxed } from './spawn-step.js';
import { StepTracker } from './step-tracker.js';

export interface HostRunnerSpec {
  /** Host directory mounted read-write at /home/build. */
  readonly workspace: string;
  /**
   * Mounted at /var/cache/melange when the host has that directory to mount on (the host's /var
   * is read-only in the sandbox, so the mount point cannot be made); otherwise left out, with a warning.
   */
  readonly cacheDir?: string;
  readonly env?: Readonly<Record<string, string>>;
  readonly network?: boolean;
  readonly user?: GuestUser;
  /** More host paths to hide besides HOST_SECRET_PATHS (e.g. the signing key's directory). */
  readonly hide?: readonly string[];
}

/** The existing ones of `paths`, each with its kind, plus its real path when that differs (never a link). */
async function hiddenPaths(
  paths: readonly string[],
  keep: readonly string[],
): Promise<Array<{ path: string; kind: 'dir' | 'file' }>> {
  const out = new Map<string, 'dir' | 'file'>();
  // Never hide `/` or a directory holding what the steps must see (the workspace, the cache).
  const holdsKept = (p: string) => p === '/' || keep.some((k) => k === p || k.startsWith(`${p}/`));
  for (const p of paths) {
    const real = await realpath(p).catch(() => undefined);
    if (real === undefined || holdsKept(real) || holdsKept(p)) continue;
    const st = await stat(real).catch(() => undefined);
    if (st === undefined) continue;
    const kind = st.isDirectory() ? 'dir' : 'file';
    out.set(real, kind);
    if ((await lstat(p).catch(() => undefined))?.isSymbolicLink() === false) out.set(p, kind);
  }
  return [...out].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([path, kind]) => ({ path, kind }));
}

/** The line every host-runner step logs. */
export const UNHERMETIC_WARNING = "runs on the host's own root file system: unhermetic (bootstrapping only)";

function describe(step: Step): string {
  if (step.argv !== undefined) return step.argv.join(' ');
  const first = (step.script ?? '').split('\n').find((l) => l.trim() !== '') ?? '';
  return first.length > 60 ? `${first.slice(0, 57)}...` : first;
}

/**
 * The bootstrapping runner: steps see the host's own `/` read-only (its compilers and libraries),
 * the workspace writable at /home/build, in new namespaces as the build user. The one unhermetic
 * path in lupine: every step logs a warning saying so.
 */
export class HostRunner implements SandboxRunner {
  readonly kind = 'host';
  readonly #layout: HostLayout;
  readonly #bwrap: string;
  readonly #host: HostFacts;
  readonly #logger: Logger;
  readonly #steps = new StepTracker();

  private constructor(layout: HostLayout, bwrap: string, host: HostFacts, logger: Logger) {
    this.#layout = layout;
    this.#bwrap = bwrap;
    this.#host = host;
    this.#logger = logger;
  }

  static async start(spec: HostRunnerSpec, options: RunnerOptions = {}): Promise<HostRunner> {
    const logger = options.logger ?? silentLogger;
    const bwrap = await findBwrap(options.bwrap);
    const workspace = await hostDir(spec.workspace, 'workspace');
    let cacheDir: string | undefined;
    if (spec.cacheDir !== undefined) {
      const hasMountPoint = await stat(GUEST_CACHE).then(
        (s) => s.isDirectory(),
        () => false,
      );
      if (hasMountPoint) cacheDir = await hostDir(spec.cacheDir, 'cache directory', true);
      else logger.warn(`host runner: the host has no ${GUEST_CACHE} to mount the cache on; running without it`);
    }
    const layout: HostLayout = {
      top: await readHostTop(),
      workspace,
      ...(cacheDir !== undefined ? { cacheDir } : {}),
      ...(spec.env !== undefined ? { env: spec.env } : {}),
      ...(spec.network !== undefined ? { network: spec.network } : {}),
      ...(spec.user !== undefined ? { user: spec.user } : {}),
      hidden: await hiddenPaths(
        [...HOST_SECRET_PATHS, ...(spec.hide ?? [])],
        [workspace, ...(cacheDir ? [cacheDir] : [])],
      ),
    };
    return new HostRunner(layout, bwrap, await readHostFacts(), logger);
  }

  argsFor(step: Step): string[] {
    return hostArgs(this.#layout, step, this.#host);
  }

  run(step: Step): Promise<StepResult> {
    return this.#steps.track(this.kind, async () => {
      const args = this.argsFor(step);
      this.#logger.warn(`host runner: '${describe(step)}' ${UNHERMETIC_WARNING}`);
      return spawnSandboxed({ bwrap: this.#bwrap, args, step, logger: this.#logger, cancel: this.#steps.signal });
    });
  }

  close(): Promise<void> {
    return this.#steps.close();
  }
}
