/** What commands of several nouns share: diagnostics shown relative to the cwd. */
import { isAbsolute, relative } from 'node:path';
import type { Diagnostic } from '../../../core/index.js';

/** Diagnostics with paths relative to the working directory when they are inside it. */
export function relativeDiagnostics(diagnostics: readonly Diagnostic[], cwd: string): Diagnostic[] {
  return diagnostics.map((d): Diagnostic => {
    const rel = relative(cwd, d.file);
    return { ...d, file: rel === '' || rel.startsWith('..') || isAbsolute(rel) ? d.file : rel };
  });
}
