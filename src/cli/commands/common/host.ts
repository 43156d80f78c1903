/** What commands of several nouns share: this machine's build arch, diagnostics shown relative to the cwd. */
import { isAbsolute, relative } from 'node:path';
import { hostApkArch } from '../../../apk/index.js';
import type { Diagnostic } from '../../../core/index.js';
import { toBuildArch } from '../../../pkg/index.js';

/** This machine's arch as melange names it (x86_64 when apk knows no build arch for it). */
export function defaultArch(): string {
  return toBuildArch(hostApkArch()) ?? 'x86_64';
}

/** Diagnostics with paths relative to the working directory when they are inside it. */
export function relativeDiagnostics(diagnostics: readonly Diagnostic[], cwd: string): Diagnostic[] {
  return diagnostics.map((d): Diagnostic => {
    const rel = relative(cwd, d.file);
    return { ...d, file: rel === '' || rel.startsWith('..') || isAbsolute(rel) ? d.file : rel };
  });
}
