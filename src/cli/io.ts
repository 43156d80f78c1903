/** The streams and environment a command runs with. Tests pass captured ones. */
export interface OutputStream {
  write(chunk: string | Uint8Array): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

export interface CliIo {
  readonly stdout: OutputStream;
  readonly stderr: OutputStream;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** Raised by SIGINT handling in bin/lupine; commands check it between steps. */
  readonly signal?: AbortSignal;
}

export function captureIo(
  env: Record<string, string | undefined> = {},
  cwd = '.',
): CliIo & {
  out(): string;
  err(): string;
} {
  const o: string[] = [];
  const e: string[] = [];
  const dec = (c: string | Uint8Array) => (typeof c === 'string' ? c : Buffer.from(c).toString('utf8'));
  return {
    stdout: { write: (c) => o.push(dec(c)) },
    stderr: { write: (c) => e.push(dec(c)) },
    env,
    cwd,
    out: () => o.join(''),
    err: () => e.join(''),
  };
}
