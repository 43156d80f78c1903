import type { ErrorCode } from './errors.js';

/**
 * Positioned diagnostics for config files (apko.yaml, melange.yaml): collected, not thrown, so a
 * user sees every problem in one run.
 */

/** One problem in a config file, with the position the `yaml` parser gave it (1-based). */
export interface Diagnostic {
  readonly severity: 'error' | 'warning';
  readonly code: ErrorCode;
  readonly message: string;
  readonly file: string;
  readonly line: number;
  readonly col: number;
  readonly hint?: string;
}

export interface SourcePos {
  readonly line: number;
  readonly col: number;
}

/** Collects diagnostics for one file; `lenient` turns unknown keys into warnings. */
export class DiagnosticSink {
  readonly #file: string;
  readonly #list: Diagnostic[] = [];
  readonly #seen = new Set<string>();

  constructor(file: string) {
    this.#file = file;
  }

  get file(): string {
    return this.#file;
  }

  error(code: ErrorCode, pos: SourcePos, message: string, hint?: string): void {
    this.add('error', code, pos, message, hint);
  }

  warn(code: ErrorCode, pos: SourcePos, message: string, hint?: string): void {
    this.add('warning', code, pos, message, hint);
  }

  add(severity: Diagnostic['severity'], code: ErrorCode, pos: SourcePos, message: string, hint?: string): void {
    const d: Diagnostic = { severity, code, message, file: this.#file, line: pos.line, col: pos.col };
    const key = `${d.line}:${d.col}:${severity}:${code}:${message}`;
    if (this.#seen.has(key)) return; // an anchor decoded through several aliases reports once
    this.#seen.add(key);
    this.#list.push(hint === undefined ? d : { ...d, hint });
  }

  get diagnostics(): readonly Diagnostic[] {
    return this.#list;
  }
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

/** Sorts by file, line, column (stable otherwise), so output does not depend on check order. */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort((a, b) =>
    a.file === b.file ? a.line - b.line || a.col - b.col : a.file < b.file ? -1 : 1,
  );
}

/** `file:line:col: error[CODE]: message` and an indented `hint:` line, one diagnostic after another. */
export function renderDiagnostics(diagnostics: readonly Diagnostic[]): string {
  let s = '';
  for (const d of diagnostics) {
    s += `${d.file}:${d.line}:${d.col}: ${d.severity}[${d.code}]: ${d.message}\n`;
    if (d.hint) s += `  hint: ${d.hint}\n`;
  }
  return s;
}
