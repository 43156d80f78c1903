import { spawn, spawnSync } from 'node:child_process';
import { captureIo, main } from '../../src/cli/index.js';
import { binLupine } from './paths.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in-process with captured streams. */
export async function runCli(
  argv: string[],
  opts: { env?: Record<string, string | undefined>; cwd?: string } = {},
): Promise<CliResult> {
  const io = captureIo(opts.env ?? { ...process.env }, opts.cwd ?? process.cwd());
  const code = await main(argv, io);
  return { code, stdout: io.out(), stderr: io.err() };
}

/** Runs ./bin/lupine as a separate process. */
export function spawnCli(
  argv: string[],
  opts: { env?: Record<string, string | undefined>; cwd?: string; input?: string } = {},
): CliResult {
  const r = spawnSync(process.execPath, [binLupine, ...argv], {
    encoding: 'utf8',
    env: opts.env ?? process.env,
    cwd: opts.cwd,
    input: opts.input,
    maxBuffer: 256 * 1024 * 1024,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Runs ./bin/lupine as a separate process without blocking this one (a server here keeps answering). */
export function spawnCliAsync(argv: string[], env?: Record<string, string | undefined>): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [binLupine, ...argv], {
      env: env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    p.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    p.on('error', reject);
    p.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}
