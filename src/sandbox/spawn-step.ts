import { spawn } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { type Logger, LupineError } from '../core/index.js';
import { LineSplitter } from './line-splitter.js';
import type { Step, StepResult } from './runner.js';

export interface SpawnSandboxedOptions {
  /** Path of the bwrap executable. */
  readonly bwrap: string;
  /** bubblewrap's arguments (from guestArgs / hostArgs). */
  readonly args: readonly string[];
  readonly step: Step;
  readonly logger: Logger;
  /** The runner's own cancellation (close): kills the step like an abort. */
  readonly cancel?: AbortSignal;
}

const NOT_STARTED: StepResult = { exitCode: null, signal: null, timedOut: false, aborted: true };

/** Reads bubblewrap's `--json-status-fd` stream: one JSON object per line. */
function statusReader(stream: Readable, onChildPid: (pid: number) => void): void {
  let text = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    text += chunk;
    let nl = text.indexOf('\n');
    while (nl !== -1) {
      const line = text.slice(0, nl).trim();
      text = text.slice(nl + 1);
      nl = text.indexOf('\n');
      if (line === '') continue;
      try {
        const obj = JSON.parse(line) as Record<string, unknown>;
        if (typeof obj['child-pid'] === 'number') onChildPid(obj['child-pid']);
      } catch {
        // not ours to judge: bubblewrap's status stream is advisory
      }
    }
  });
}

/**
 * Output held back until bubblewrap reports the sandbox's first process, so that `onStart` always
 * comes before the first line (the status and output pipes race otherwise).
 */
class StartGate {
  #started = false;
  readonly #held: Array<() => void> = [];

  get started(): boolean {
    return this.#started;
  }

  deliver(fn: () => void): void {
    if (this.#started) fn();
    else this.#held.push(fn);
  }

  open(): void {
    if (this.#started) return;
    this.#started = true;
    for (const fn of this.#held.splice(0)) fn();
  }
}

/** Writes the step's input and closes it; the step need not read it. */
function feedStdin(stdin: Writable, data: Step['stdin']): void {
  stdin.on('error', () => {
    // the step need not read its input
  });
  stdin.end(data);
}

function bwrapUnavailable(bwrap: string, cause: Error): LupineError {
  return new LupineError('SANDBOX_UNAVAILABLE', `cannot run ${bwrap}: ${cause.message}`, {
    cause,
    details: { bwrap },
    hint: 'install bubblewrap (the bwrap command), version 0.8 or later',
  });
}

/**
 * Runs bubblewrap with `args` for one step and streams its output line by line. The step is killed
 * (SIGKILL to bubblewrap; `--die-with-parent` and the pid namespace take everything inside with it)
 * on abort, timeout or runner close. Resolves once bubblewrap has exited and every pipe it handed
 * the sandbox is closed, that is, once nothing inside is left holding them. A failure of
 * bubblewrap itself (a mount, chdir or exec it could not do) rejects with SANDBOX_SETUP_FAILED.
 */
export function spawnSandboxed(opts: SpawnSandboxedOptions): Promise<StepResult> {
  const { step } = opts;
  if (step.signal?.aborted || opts.cancel?.aborted) return Promise.resolve(NOT_STARTED);
  return new Promise((resolve, reject) => {
    opts.logger.debug(`executing: ${opts.bwrap} ${opts.args.join(' ')}`);
    const child = spawn(opts.bwrap, ['--json-status-fd', '3', ...opts.args], {
      stdio: [step.stdin === undefined ? 'ignore' : 'pipe', step.stdout ? 'pipe' : 'ignore', 'pipe', 'pipe'],
      env: {},
    });
    let settled = false;
    let killedFor: 'abort' | 'timeout' | null = null;
    let lastErr = '';
    // SIGKILL to bubblewrap: --die-with-parent kills the sandbox's init with it, and the kernel
    // kills everything else in its pid namespace.
    const kill = (why: 'abort' | 'timeout') => {
      if (killedFor === null) killedFor = why;
      child.kill('SIGKILL');
    };
    const onAbort = () => kill('abort');
    step.signal?.addEventListener('abort', onAbort, { once: true });
    opts.cancel?.addEventListener('abort', onAbort, { once: true });
    const timer = step.timeoutMs === undefined ? undefined : setTimeout(() => kill('timeout'), step.timeoutMs);
    const cleanup = () => {
      if (timer !== undefined) clearTimeout(timer);
      step.signal?.removeEventListener('abort', onAbort);
      opts.cancel?.removeEventListener('abort', onAbort);
    };

    const gate = new StartGate();
    const stdout = step.stdout;
    const out = stdout ? new LineSplitter((line) => gate.deliver(() => stdout(line))) : undefined;
    const err = new LineSplitter((line) => {
      lastErr = line;
      gate.deliver(() => step.stderr?.(line));
    });
    child.stdout?.on('data', (c: Buffer) => out?.push(c));
    child.stderr?.on('data', (c: Buffer) => err.push(c));
    const status = child.stdio[3] as Readable | null;
    if (status) {
      statusReader(status, (pid) => {
        if (!gate.started && child.pid !== undefined) step.onStart?.({ bwrap: child.pid, child: pid });
        gate.open();
      });
    }
    if (child.stdin) feedStdin(child.stdin, step.stdin);

    child.on('error', (cause) => {
      if (settled) return;
      settled = true;
      cleanup();
      reject(bwrapUnavailable(opts.bwrap, cause));
    });
    child.on('close', (code, signal) => {
      if (settled) return;
      settled = true;
      cleanup();
      out?.end();
      err.end();
      gate.open();
      if (killedFor === null && code === 1 && lastErr.startsWith('bwrap: ')) {
        reject(
          new LupineError('SANDBOX_SETUP_FAILED', `the sandbox could not be set up: ${lastErr.slice(7)}`, {
            details: { bwrap: opts.bwrap, message: lastErr },
          }),
        );
        return;
      }
      resolve({
        exitCode: killedFor === null ? code : null,
        signal: killedFor === null ? (signal ?? null) : 'SIGKILL',
        timedOut: killedFor === 'timeout',
        aborted: killedFor === 'abort',
      });
    });
  });
}
