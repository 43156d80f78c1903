/** How the library reports progress. The CLI supplies one; the library never prints. */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  debug(message: string): void;
  /** Progress of long work: `done` of `total` units (total 0 when unknown). */
  progress?(label: string, done: number, total: number): void;
}

export const silentLogger: Logger = {
  info() {},
  warn() {},
  debug() {},
};
