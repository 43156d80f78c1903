import { type ChildProcess, spawn } from 'node:child_process';
import { LupineError } from '../core/index.js';

/** A held lock; `release()` lets the next writer in. */
export interface RootLock {
  release(): Promise<void>;
}

const BUSY = 75;

/**
 * Takes exclusive flock(2) locks on `paths` (in order), as apk-tools does on `lib/apk/db/lock`,
 * failing at once with INSTALL_LOCKED or after `waitSeconds` when they are held.
 * Node has no flock, so a `flock(1)` child holds them for as long as its stdin stays open: when
 * this process ends, even by SIGKILL, the pipe closes and the locks go with it.
 */
export async function lockPaths(paths: readonly string[], waitSeconds = 0): Promise<RootLock> {
  const wait = waitSeconds > 0 ? ['-w', String(waitSeconds)] : ['-n'];
  // flock A flock B … sh -c '…': each flock(1) holds one lock and runs the next.
  const argv = paths.flatMap((p, i) => [...(i > 0 ? ['flock'] : []), ...wait, '-E', String(BUSY), p]);
  const child: ChildProcess = spawn('flock', [...argv, 'sh', '-c', 'echo locked; exec cat'], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    const onData = (d: Buffer) => {
      out += d.toString();
      if (out.includes('locked\n')) {
        child.stdout?.off('data', onData);
        child.off('exit', onExit);
        resolve();
      }
    };
    const onExit = (code: number | null) => {
      if (code === BUSY) {
        reject(
          new LupineError('INSTALL_LOCKED', `another process is changing this root (${paths.join(', ')} is locked)`, {
            details: { paths },
            hint: 'wait for the other apk or lupine to finish, then try again',
          }),
        );
      } else {
        reject(new LupineError('IO_ERROR', `could not lock ${paths.join(', ')}: ${stderr.trim() || `exit ${code}`}`));
      }
    };
    child.on('error', (err) =>
      reject(new LupineError('IO_ERROR', `could not run flock: ${err.message}`, { cause: err })),
    );
    child.stdout?.on('data', onData);
    child.on('exit', onExit);
  });
  child.stdout?.resume();
  return {
    release: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.stdin?.end();
      }),
  };
}
