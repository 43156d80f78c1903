import type { OptionSpec } from './args.js';
import type { CliIo } from './io.js';

/** One CLI command: `lupine <path...>`. */
export interface Command {
  /** Words after `lupine`, e.g. ['apk', 'version'] or ['keygen']. */
  readonly path: readonly string[];
  readonly summary: string;
  /** Full `--help` text: usage line, description, options. */
  readonly help: string;
  /** The `--help` for these arguments when it depends on them (`lupine apk add --help`); else `help`. */
  helpFor?(argv: readonly string[]): string;
  /** What `run` parses its options with (`--help` is generated from it); absent for apk's own getopt. */
  readonly options?: OptionSpec;
  run(argv: string[], io: CliIo): Promise<number>;
}

/** A registry row: enough to list and find a command without loading it. */
export interface CommandEntry {
  readonly path: readonly string[];
  readonly summary: string;
  load(): Promise<Command>;
}
