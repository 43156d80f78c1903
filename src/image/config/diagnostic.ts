/** The image config's diagnostics: the generic type lives in core; the error for apko.yaml is here. */
import { type Diagnostic, LupineError } from '../../core/index.js';

export {
  type Diagnostic,
  DiagnosticSink,
  hasErrors,
  renderDiagnostics,
  type SourcePos,
  sortDiagnostics,
} from '../../core/index.js';

/** The error a caller throws when it needs a config and got diagnostics instead. */
export function imageConfigError(diagnostics: readonly Diagnostic[]): LupineError {
  const errors = diagnostics.filter((d) => d.severity === 'error');
  const first = errors[0];
  const where = first ? `${first.file}:${first.line}:${first.col}` : undefined;
  return new LupineError(
    'IMAGE_CONFIG_INVALID',
    `image config has ${errors.length} error(s)${first ? `; first: ${first.message}` : ''}`,
    {
      details: { diagnostics, ...(where ? { location: where } : {}) },
      hint: 'run `lupine image show-config CONFIG` to see every problem',
    },
  );
}
