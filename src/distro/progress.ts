/**
 * Turns scheduler events into text (pure; the CLI writes it). Plain mode prints one line per event
 * that matters. Live mode (a TTY) prints finished recipes as lines and keeps, below them, one
 * redrawn line per running build with its elapsed time and last log line.
 */
import { termSafe } from '../core/index.js';
import type { DistroEvent, DistroSummary } from './builder.js';

const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function errorText(error: unknown): string {
  const e = error as { code?: unknown; message?: unknown };
  const msg = typeof e?.message === 'string' ? e.message : String(error);
  return typeof e?.code === 'string' ? `${e.code}: ${msg}` : msg;
}

/** The permanent line for an event, or undefined for events that only feed the live view. */
export function eventLine(e: DistroEvent): string | undefined {
  switch (e.type) {
    case 'plan':
      return e.build ? `would build ${e.name}: ${e.reason}` : `up to date  ${e.name}`;
    case 'skip':
      return `skip   ${e.name}: ${e.reason}`;
    case 'start':
      return `build  ${e.name}: ${e.reason} (log: ${e.log})`;
    case 'done':
      return `${e.pulled ? 'pulled' : 'built '} ${e.name} in ${secs(e.ms)}: ${e.outputs.map((o) => `${o.name}-${o.version}`).join(', ')}`;
    case 'fail':
      return `FAILED ${e.name} after ${secs(e.ms)}: ${errorText(e.error).split('\n')[0]}${e.log ? ` (log: ${e.log})` : ''}`;
    case 'blocked':
      return `blocked ${e.name}: dependency ${e.by} failed`;
    case 'worker':
      return `worker ${e.name}: on ${e.worker}`;
    case 'line':
      return undefined;
  }
}

export function summaryLine(s: DistroSummary, dryRun = false): string {
  if (dryRun) return `distro: ${s.planned} to build, ${s.skipped} up to date (dry run)\n`;
  const parts = [
    `${s.built} built`,
    ...(s.pulled > 0 ? [`${s.pulled} pulled`] : []),
    `${s.skipped} skipped`,
    `${s.failed} failed`,
  ];
  if (s.blocked > 0) parts.push(`${s.blocked} blocked`);
  const nothing = s.built === 0 && s.pulled === 0 && s.failed === 0 && s.blocked === 0 ? ' (nothing to do)' : '';
  return `distro: ${parts.join(', ')} in ${secs(s.ms)}${nothing}\n`;
}

interface Running {
  readonly started: number;
  last: string;
  worker?: string;
}

/** The live view's state: running builds and how many lines the last frame drew. */
export class LiveProgress {
  readonly #running = new Map<string, Running>();
  readonly #columns: number;
  #drawn = 0;

  constructor(columns = 80) {
    this.#columns = Math.max(20, columns);
  }

  /** Text that erases the running block, prints the event's line (if any) and redraws the block. */
  update(e: DistroEvent, now: number): string {
    if (e.type === 'start') this.#running.set(e.name, { started: now, last: '' });
    else if (e.type === 'line') {
      const r = this.#running.get(e.name);
      if (r) r.last = e.line;
      else return '';
    } else if (e.type === 'worker') {
      const r = this.#running.get(e.name);
      if (r) r.worker = e.worker;
    } else if (e.type === 'done' || e.type === 'fail') this.#running.delete(e.name);
    const line = eventLine(e);
    return this.#erase() + (line === undefined ? '' : `${this.#fit(line)}\n`) + this.#draw(now);
  }

  /** Redraws the running block (for a timer tick). */
  tick(now: number): string {
    return this.#erase() + this.#draw(now);
  }

  /** Erases the running block for good. */
  finish(): string {
    return this.#erase();
  }

  #fit(s: string): string {
    const flat = termSafe(s.replace(/[\r\n\t]/g, ' '));
    return flat.length > this.#columns - 1 ? `${flat.slice(0, this.#columns - 2)}…` : flat;
  }

  #erase(): string {
    if (this.#drawn === 0) return '';
    const s = `\x1b[${this.#drawn}F\x1b[J`;
    this.#drawn = 0;
    return s;
  }

  #draw(now: number): string {
    const lines = [...this.#running]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([name, r]) =>
        this.#fit(
          `  ⟳ ${name}${r.worker ? ` [${r.worker}]` : ''} ${secs(now - r.started)}${r.last ? `  ${r.last}` : ''}`,
        ),
      );
    this.#drawn = lines.length;
    return lines.map((l) => `${l}\n`).join('');
  }
}
