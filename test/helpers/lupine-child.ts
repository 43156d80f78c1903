/**
 * The stale-directory tests' scaffolding: real `bin/lupine` processes that a test keeps running or
 * SIGKILLs mid-step, each with its own TMPDIR, and the per-user temp parent lupine writes under it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { binLupine } from './paths.js';

export interface LupineChild {
  readonly child: ChildProcess;
  /** The exit code (null when killed by a signal). */
  readonly done: Promise<number | null>;
  /** stdout and stderr so far, interleaved. */
  output(): string;
}

/** Starts `bin/lupine argv` and adds it to `children` (for `killChildren` in the test's `after`). */
export function startLupine(
  argv: readonly string[],
  o: { readonly env: NodeJS.ProcessEnv; readonly cwd?: string; readonly children: ChildProcess[] },
): LupineChild {
  const child = spawn(process.execPath, [binLupine, ...argv], {
    ...(o.cwd ? { cwd: o.cwd } : {}),
    env: o.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d) => {
    output += String(d);
  });
  child.stderr?.on('data', (d) => {
    output += String(d);
  });
  o.children.push(child);
  const done = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, done, output: () => output };
}

/** SIGKILLs every child still running. */
export function killChildren(children: readonly ChildProcess[]): void {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
}

/** `<tmp>/lupine-<euid>`: the per-user parent of lupine's temp directories (issue 11 #2). */
export const userTempParent = (tmp: string): string => join(tmp, `lupine-${process.geteuid?.() ?? 0}`);
