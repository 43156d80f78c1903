/** Runs bin/lupine while polling its peak RSS (the child's VmHWM from /proc), for the memory-bound tests. */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { binLupine } from './paths.js';

export const MiB = 1024 * 1024;
/** What a hostile input may make lupine use at the most. */
export const RSS_LIMIT = 256 * MiB;

export interface Measured {
  code: number;
  stdout: string;
  stderr: string;
  /** Peak resident set size of the child, bytes. */
  peakRss: number;
}

function vmHwm(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0; // the process has exited
  }
}

/** Runs bin/lupine until it exits, polling its peak RSS; kills it well past the limit (the test then fails). */
export function measurePeakRss(argv: string[], env?: NodeJS.ProcessEnv): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [binLupine, ...argv], {
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(env ? { env } : {}),
    });
    let stdout = '';
    let stderr = '';
    let peak = 0;
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const poll = setInterval(() => {
      if (child.pid === undefined) return;
      peak = Math.max(peak, vmHwm(child.pid));
      if (peak > 2 * RSS_LIMIT) child.kill('SIGKILL');
    }, 10);
    child.on('error', reject);
    child.on('exit', () => {
      if (child.pid !== undefined) peak = Math.max(peak, vmHwm(child.pid));
    });
    child.on('close', (code) => {
      clearInterval(poll);
      resolve({ code: code ?? -1, stdout, stderr, peakRss: peak });
    });
  });
}
