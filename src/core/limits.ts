import { LupineError } from './errors.js';

/** Bounds on everything read from outside, so that a hostile file cannot exhaust memory or time. */
export interface Limits {
  /** Largest decompressed size of one archive, in bytes. */
  readonly maxUncompressedBytes: number;
  /** Largest ratio decompressed/compressed accepted for inputs over 1 MiB decompressed. */
  readonly maxCompressionRatio: number;
  /** Largest single tar entry. */
  readonly maxEntryBytes: number;
  /** Largest pax / GNU long-name header. */
  readonly maxHeaderBytes: number;
  /** Most entries in one archive. */
  readonly maxEntries: number;
}

export const defaultLimits: Limits = {
  maxUncompressedBytes: 8 * 1024 ** 3,
  maxCompressionRatio: 1100, // deflate cannot exceed ~1032:1; callers lower it for untrusted inputs
  maxEntryBytes: 4 * 1024 ** 3,
  maxHeaderBytes: 1024 * 1024,
  maxEntries: 1_000_000,
};

export function checkLimit(what: string, value: number, max: number): void {
  if (value > max) {
    throw new LupineError('LIMIT_EXCEEDED', `${what} is ${value}, over the limit of ${max}`, {
      details: { what, value, max },
      hint: 'the input is larger than lupine accepts; check that it is the file you meant',
    });
  }
}
