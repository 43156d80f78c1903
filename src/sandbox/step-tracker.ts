import { LupineError } from '../core/index.js';
import type { StepResult } from './runner.js';

/** Tracks a runner's running steps so `close` can kill and await them. */
export class StepTracker {
  readonly #cancel = new AbortController();
  readonly #running = new Set<Promise<unknown>>();
  #closed = false;

  get signal(): AbortSignal {
    return this.#cancel.signal;
  }

  async track(kind: string, run: () => Promise<StepResult>): Promise<StepResult> {
    if (this.#closed) {
      throw new LupineError('SANDBOX_CLOSED', `the ${kind} runner is closed`, { details: { kind } });
    }
    const p = run();
    const settled = p.catch(() => undefined);
    this.#running.add(settled);
    try {
      return await p;
    } finally {
      this.#running.delete(settled);
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#cancel.abort();
    await Promise.all([...this.#running]);
  }
}
