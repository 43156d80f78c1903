import { parseArgs } from 'node:util';
import { LupineError } from '../core/index.js';

/** One option of a command: what util.parseArgs needs, plus its line in `--help`. */
export interface OptionDef {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  readonly multiple?: boolean;
  readonly default?: string | boolean | string[] | boolean[];
  /** The value's name in help, e.g. 'FILE' (string options). */
  readonly arg?: string;
  /** The description in help, defaults included; '\n' starts a continuation line. */
  readonly help?: string;
}

export type OptionSpec = Record<string, OptionDef>;

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

/** The spec as util.parseArgs takes it (without the help fields). */
function parseArgsOptions(spec: OptionSpec) {
  const out: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean; default?: never }> = {};
  for (const [name, { arg: _arg, help: _help, ...def }] of Object.entries(spec))
    out[name] = def as (typeof out)[string];
  return out;
}

/** util.parseArgs with lupine's usage errors. */
export function parse<T extends OptionSpec>(argv: string[], options: T, command: string): Parsed<T> {
  try {
    const r = parseArgs({ args: argv, options: parseArgsOptions(options), allowPositionals: true, strict: true });
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

/** Names longer than this (with their value) do not widen the column; their text follows after two spaces. */
const MAX_NAME_WIDTH = 25;

/**
 * The options table of a command's `--help`, generated from its spec (so they cannot drift): one
 * row per option, `-s, --long ARG` then the description, in spec order, then `-h, --help`. The
 * description column is three past the widest name of at most MAX_NAME_WIDTH characters.
 */
export function optionsTable(spec: OptionSpec): string {
  const rows = Object.entries(spec).map(([name, def]) => ({
    names: `  ${def.short ? `-${def.short}, ` : ''}--${name}${def.arg ? ` ${def.arg}` : ''}`,
    lines: (def.help ?? '').split('\n'),
  }));
  rows.push({ names: '  -h, --help', lines: ['show this help'] });
  const column = Math.max(...rows.map((r) => r.names.length).filter((n) => n <= MAX_NAME_WIDTH)) + 3;
  let s = 'Options:\n';
  for (const { names, lines } of rows) {
    const [first, ...more] = lines;
    s += `${names.length + 2 > column ? `${names}  ` : names.padEnd(column)}${first}\n`;
    for (const line of more) s += `${' '.repeat(column)}${line}\n`;
  }
  return s;
}

/**
 * A command's full `--help`: the hand-written usage line and description, the options table
 * generated from `spec`, then any hand-written text that follows it (examples, exit status).
 */
export function commandHelp(text: string, spec: OptionSpec, after?: string): string {
  return `${text.trimEnd()}\n\n${optionsTable(spec)}${after === undefined ? '' : `\n${after.trimEnd()}\n`}`;
}

/** `spec` with some options' help replaced: a shared option described for one command. */
export function withHelp<T extends OptionSpec>(spec: T, help: { readonly [K in keyof T]?: string }): T {
  const out: OptionSpec = { ...spec };
  for (const [name, text] of Object.entries(help)) {
    const def = out[name];
    if (def !== undefined && text !== undefined) out[name] = { ...def, help: text };
  }
  return out as T;
}
