/** Diagnostics across several files (the recipe and the pipeline files it uses). */
import {
  type ConfigPath,
  type Diagnostic,
  DiagnosticSink,
  didYouMean,
  type ErrorCode,
  type Locations,
  type SourcePos,
  sortDiagnostics,
} from '../../core/index.js';
import { lineOfName, type Substituted, substitute, type VarMap } from './substitute.js';
import type { Origin } from './types.js';

/** A value's place: its file, the file's positions and the value's path in it. */
export interface Where {
  readonly file: string;
  readonly locations: Locations;
  readonly path: ConfigPath;
}

export const at = (w: Where, ...sub: (string | number)[]): Where => ({ ...w, path: [...w.path, ...sub] });

export class Reporter {
  readonly #sinks = new Map<string, DiagnosticSink>();
  readonly #extra: Diagnostic[] = [];
  readonly #texts: ReadonlyMap<string, string>;

  /** `texts`: each file's source, to place unknown names exactly (inside block scalars too). */
  constructor(texts: ReadonlyMap<string, string> = new Map()) {
    this.#texts = texts;
  }

  /** The line and column of `${{name}}` at or after `base` in the file's text. */
  #place(file: string, base: SourcePos, name: string, text: string): SourcePos {
    const source = this.#texts.get(file);
    const re = new RegExp(`\\$\\{\\{\\s*${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*\\}\\}`);
    if (source !== undefined) {
      const lines = source.split('\n');
      for (let i = base.line - 1; i < Math.min(lines.length, base.line + 4000); i++) {
        const line = lines[i] as string;
        const from = i === base.line - 1 ? Math.max(0, base.col - 1) : 0;
        const m = re.exec(line.slice(from));
        if (m) return { line: i + 1, col: from + m.index + 1 };
      }
    }
    const lineIdx = text.includes('\n') ? lineOfName(text, name) : -1;
    return lineIdx >= 0 ? { line: base.line + 1 + lineIdx, col: base.col } : base;
  }

  #sink(file: string): DiagnosticSink {
    let s = this.#sinks.get(file);
    if (!s) {
      s = new DiagnosticSink(file);
      this.#sinks.set(file, s);
    }
    return s;
  }

  pos(w: Where, key = false): SourcePos {
    return key ? w.locations.key(w.path) : w.locations.value(w.path);
  }

  origin(w: Where): Origin {
    const p = this.pos(w);
    return { file: w.file, line: p.line, col: p.col };
  }

  error(code: ErrorCode, w: Where, message: string, hint?: string, key = false): void {
    this.#sink(w.file).error(code, this.pos(w, key), message, hint);
  }

  warn(code: ErrorCode, w: Where, message: string, hint?: string): void {
    this.#sink(w.file).warn(code, this.pos(w), message, hint);
  }

  errorAt(code: ErrorCode, file: string, pos: SourcePos, message: string, hint?: string): void {
    this.#sink(file).error(code, pos, message, hint);
  }

  add(diagnostics: readonly Diagnostic[]): void {
    this.#extra.push(...diagnostics);
  }

  /**
   * Substitutes `text` (the value at `w`); each unknown name is an error placed on the line it is
   * written on (inside block scalars too) with a did-you-mean among the known names.
   */
  substitute(text: string, vars: VarMap, w: Where): string {
    const r: Substituted = substitute(text, vars);
    for (const name of r.unknown) {
      const pos = this.#place(w.file, this.pos(w), name, text);
      this.errorAt('BUILD_CONFIG_UNKNOWN_VAR', w.file, pos, `unknown variable \${{${name}}}`, unknownHint(name, vars));
    }
    return r.value;
  }

  get diagnostics(): Diagnostic[] {
    const all = [...this.#extra];
    for (const s of this.#sinks.values()) all.push(...s.diagnostics);
    return sortDiagnostics(all);
  }
}

export function unknownHint(name: string, vars: VarMap): string {
  const guess = didYouMean(name, Object.keys(vars));
  if (guess) return `did you mean \${{${guess}}}?`;
  const prefix = name.split('.')[0] ?? '';
  const same = Object.keys(vars)
    .filter((k) => k.startsWith(`${prefix}.`))
    .sort();
  if (same.length > 0 && same.length <= 12) return `known ${prefix}.* names: ${same.join(', ')}`;
  if (prefix === 'inputs') return 'inputs.* names are only defined inside a pipeline file that declares them';
  if (prefix === 'vars') return `define ${name.slice(5)} under vars: (or pass it in --vars-file)`;
  return 'see the variables listed in the melange spec §1.5';
}
