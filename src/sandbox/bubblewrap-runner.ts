import { type Logger, LupineError, silentLogger } from '../core/index.js';
import { guestArgs, type HostFacts } from './bwrap-args.js';
import { findBwrap, guestHasShell, hostDir, readHostFacts } from './host-facts.js';
import type { GuestSpec, SandboxRunner, Step, StepResult } from './runner.js';
import { spawnSandboxed } from './spawn-step.js';
import { StepTracker } from './step-tracker.js';

export interface RunnerOptions {
  /** The bwrap executable; default: /usr/bin/bwrap or /usr/local/bin/bwrap. */
  readonly bwrap?: string;
  readonly logger?: Logger;
}

/**
 * melange's bubblewrap runner: each step in a fresh set of namespaces over the guest root (see
 * `guestArgs`). Mounts live in the step's mount namespace and vanish with it; killing a step kills
 * every process it started.
 */
export class BubblewrapRunner implements SandboxRunner {
  readonly kind = 'bubblewrap';
  readonly #guest: GuestSpec;
  readonly #bwrap: string;
  readonly #host: HostFacts;
  readonly #logger: Logger;
  readonly #hasShell: boolean;
  readonly #steps = new StepTracker();

  private constructor(guest: GuestSpec, bwrap: string, host: HostFacts, logger: Logger, hasShell: boolean) {
    this.#guest = guest;
    this.#bwrap = bwrap;
    this.#host = host;
    this.#logger = logger;
    this.#hasShell = hasShell;
  }

  /**
   * Checks the guest (root and workspace are directories; the cache directory is created) and
   * bubblewrap, and returns a runner for it. Nothing runs until `run`.
   */
  static async start(guest: GuestSpec, options: RunnerOptions = {}): Promise<BubblewrapRunner> {
    const bwrap = await findBwrap(options.bwrap);
    const root = await hostDir(guest.root, 'guest root');
    const workspace = await hostDir(guest.workspace, 'workspace');
    const cacheDir = guest.cacheDir === undefined ? undefined : await hostDir(guest.cacheDir, 'cache directory', true);
    const resolved: GuestSpec = { ...guest, root, workspace, ...(cacheDir !== undefined ? { cacheDir } : {}) };
    return new BubblewrapRunner(
      resolved,
      bwrap,
      await readHostFacts(),
      options.logger ?? silentLogger,
      await guestHasShell(root),
    );
  }

  /** The bubblewrap arguments `run` would use for this step (for logs and tests). */
  argsFor(step: Step): string[] {
    return guestArgs(this.#guest, step, this.#host);
  }

  run(step: Step): Promise<StepResult> {
    return this.#steps.track(this.kind, async () => {
      if (step.script !== undefined && !this.#hasShell) {
        throw new LupineError('SANDBOX_BAD_GUEST', `the guest root ${this.#guest.root} has no /bin/sh to run scripts`, {
          details: { root: this.#guest.root },
          hint: 'add a shell package (busybox, bash, dash) to the build environment',
        });
      }
      const args = this.argsFor(step);
      return spawnSandboxed({ bwrap: this.#bwrap, args, step, logger: this.#logger, cancel: this.#steps.signal });
    });
  }

  /** Kills running steps, waits for them, and refuses further ones. */
  close(): Promise<void> {
    return this.#steps.close();
  }
}
