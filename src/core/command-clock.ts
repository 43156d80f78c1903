/**
 * When the current command started (the CLI marks it): what a whole command's budget, such as its
 * network deadline (`LUPINE_NET_TOTAL_DEADLINE`), is measured from.
 */
let started = performance.now();

/** Marks the start of a command (called by the CLI for each command it runs). */
export function markCommandStart(): void {
  started = performance.now();
}

/** Milliseconds since the current command started. */
export function commandElapsedMs(): number {
  return performance.now() - started;
}
