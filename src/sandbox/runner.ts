/** Receives a step's output one line at a time (without the line break). */
export type LineSink = (line: string) => void;

/** A bind mount from the host into the guest. */
export interface GuestMount {
  /** Host path. */
  readonly source: string;
  /** Absolute path inside the guest. */
  readonly target: string;
  readonly readOnly?: boolean;
}

/** The user a step runs as inside the guest. melange's default is the build user, 1000:1000. */
export interface GuestUser {
  readonly uid: number;
  readonly gid: number;
}

/** What a sandboxed build sees: a root, a workspace, a cache, an environment. */
export interface GuestSpec {
  /** Host directory mounted as the guest's `/`, read-only. */
  readonly root: string;
  /** Host directory mounted read-write at `/home/build`. */
  readonly workspace: string;
  /** Host directory mounted read-write at `/var/cache/melange`; none when absent. */
  readonly cacheDir?: string;
  /**
   * Environment of every step. The runner clears everything else; `melangeEnvironment` gives the
   * variables melange sets (HOME, GOPATH, the cache directories …).
   */
  readonly env?: Readonly<Record<string, string>>;
  /** false cuts the network (`--unshare-net`: only `lo`). Default true, as in melange. */
  readonly network?: boolean;
  /** Default: the build user, uid and gid 1000. */
  readonly user?: GuestUser;
  /** Capabilities (`CAP_CHOWN`, …) to add or drop (melange's `capabilities`). */
  readonly capabilities?: { readonly add?: readonly string[]; readonly drop?: readonly string[] };
  /** More bind mounts, applied after the standard ones. */
  readonly mounts?: readonly GuestMount[];
}

/** Host-side process ids of a running step, for supervision. */
export interface StepProcesses {
  /** The bubblewrap process we spawned. */
  readonly bwrap: number;
  /** The first process inside the sandbox, as bubblewrap reports it (`child-pid`). */
  readonly child: number;
}

/** One command to run in the guest: either `argv` or a `runs` script. */
export interface Step {
  /** Run this program directly (argv[0] is a guest path). */
  readonly argv?: readonly string[];
  /**
   * A melange `runs` fragment: run by the guest's `/bin/sh -c` under `set -e`, after creating and
   * entering `cwd`, ending with `exit 0`.
   */
  readonly script?: string;
  /** Guest working directory; default `/home/build`. It must exist for `argv` steps. */
  readonly cwd?: string;
  /** Variables over the guest's (`PATH` defaults to the standard system directories). */
  readonly env?: Readonly<Record<string, string>>;
  /** Bytes for the step's standard input; without it, stdin is /dev/null. */
  readonly stdin?: string | Uint8Array;
  readonly stdout?: LineSink;
  readonly stderr?: LineSink;
  /** Aborting kills the step (and everything it started). */
  readonly signal?: AbortSignal;
  /** Kill the step after this many milliseconds. */
  readonly timeoutMs?: number;
  /** `set -x` for scripts (melange --debug). */
  readonly trace?: boolean;
  /** Called once the sandboxed process has started. */
  readonly onStart?: (processes: StepProcesses) => void;
}

/** How a step ended. */
export interface StepResult {
  /** The step's exit status (128+N when it died of signal N inside the sandbox); null when we killed it. */
  readonly exitCode: number | null;
  /** The signal that ended the sandbox, when we killed it (abort, timeout, close). */
  readonly signal: string | null;
  readonly timedOut: boolean;
  readonly aborted: boolean;
}

/** Runs build steps somewhere (a bubblewrap guest, the host). The one verb of the sandbox. */
export interface Runner {
  run(step: Step): Promise<StepResult>;
}

/** A Runner with a lifecycle: `close` kills what still runs and refuses further steps. */
export interface SandboxRunner extends Runner {
  /** `bubblewrap` or `host`. */
  readonly kind: string;
  close(): Promise<void>;
}
