import { parseArgs } from 'node:util';
import { LupineError } from '../core/index.js';

export type OptionSpec = Record<
  string,
  { type: 'string' | 'boolean'; short?: string; multiple?: boolean; default?: string | boolean | string[] | boolean[] }
>;

export interface Parsed<T extends OptionSpec> {
  values: {
    [K in keyof T]?: T[K]['type'] extends 'string'
      ? T[K]['multiple'] extends true
        ? string[]
        : string
      : T[K]['multiple'] extends true
        ? boolean[]
        : boolean;
  };
  positionals: string[];
}

/** util.parseArgs with lupine's usage errors. */
export function parse<T extends OptionSpec>(argv: string[], options: T, command: string): Parsed<T> {
  try {
    const r = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    return r as unknown as Parsed<T>;
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    throw new LupineError('USAGE', `${command}: ${msg.replace(/\. To specify a positional.*$/s, '')}`, {
      hint: `see 'lupine ${command} --help'`,
    });
  }
}

export function requireCount(positionals: string[], min: number, max: number, command: string, what: string): void {
  if (positionals.length < min || positionals.length > max) {
    throw new LupineError('USAGE', `${command}: expected ${what}`, { hint: `see 'lupine ${command} --help'` });
  }
}
