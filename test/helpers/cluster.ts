import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { binLupine } from './paths.js';
import { packageBlock } from './recipes.js';

/** Whether redis-server and docker-registry are installed (the cluster tests start their own). */
export const haveClusterTools = () =>
  spawnSync('redis-server', ['--version']).status === 0 && spawnSync('docker-registry', ['--version']).status === 0;

/** melange's `targets.destdir` variable, as a recipe writes it. */
const DEST = '$' + '{{targets.destdir}}';

/** A tiny stage-0 (host runner) recipe: writes one file; `script` runs first. */
export function hostRecipe(name: string, needs: readonly string[] = [], script = ''): string {
  return `${packageBlock(name, '1.0.0', 'test recipe')}  annotations:
    dev.lupine.runner: host
environment:
  contents:
    packages: [${needs.join(', ')}]
pipeline:
  - runs: |
      ${script ? `${script}\n      ` : ''}mkdir -p "${DEST}/usr/share/${name}" && echo ${name} > "${DEST}/usr/share/${name}/hi"
`;
}

/** Writes recipes (name → text) into a new tree directory. */
export function writeTree(dir: string, recipes: Readonly<Record<string, string>>): string {
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(recipes)) writeFileSync(join(dir, `${name}.yaml`), text);
  return dir;
}

/** A lupine process (worker or coordinator) with its output collected. */
export interface LupineProcess {
  readonly child: ChildProcess;
  output(): string;
  /** Resolves when the output matches (rejects after `ms`). */
  waitFor(re: RegExp, ms?: number): Promise<void>;
  /** Resolves with the exit code (or signal name). */
  exited(): Promise<number | string>;
  /** SIGINT, then waits for the exit. */
  stop(): Promise<void>;
  /** SIGKILL, then waits for the exit. */
  kill(): Promise<void>;
}

export function spawnLupine(
  argv: readonly string[],
  env: Record<string, string | undefined>,
  cwd: string,
): LupineProcess {
  const child = spawn(process.execPath, [binLupine, ...argv], { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const listeners = new Set<() => void>();
  const add = (d: Buffer) => {
    out += d.toString();
    for (const l of listeners) l();
  };
  child.stdout?.on('data', add);
  child.stderr?.on('data', add);
  const reap = () => child.kill('SIGKILL');
  process.once('exit', reap);
  const exit = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => {
      process.removeListener('exit', reap);
      for (const l of listeners) l();
      resolve(code ?? signal ?? 'unknown');
    }),
  );
  const alive = () => child.exitCode === null && child.signalCode === null;
  return {
    child,
    output: () => out,
    waitFor: (re, ms = 60_000) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (re.test(out)) {
            listeners.delete(check);
            clearTimeout(t);
            resolve();
          } else if (!alive()) {
            listeners.delete(check);
            clearTimeout(t);
            reject(new Error(`process exited before ${re}:\n${out}`));
          }
        };
        const t = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`timed out waiting for ${re}:\n${out}`));
        }, ms);
        listeners.add(check);
        check();
      }),
    exited: () => exit,
    async stop() {
      if (alive()) child.kill('SIGINT');
      await exit;
    },
    async kill() {
      if (alive()) child.kill('SIGKILL');
      await exit;
    },
  };
}
