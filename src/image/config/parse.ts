/** One config file's text → `ImageConfig` plus every diagnostic (pure; no includes followed). */
import { type Diagnostic, DiagnosticSink, type SourcePos } from '../../core/index.js';
import { decodeConfigText } from './decode.js';
import { APKO_CONFIG_SHAPE } from './shape.js';
import type { ImageConfig } from './types.js';
import { ConfigValidator } from './validate.js';

export interface ParseImageConfigOptions {
  /** The name diagnostics carry (default `apko.yaml`). */
  readonly file?: string;
  /** Unknown keys become warnings instead of errors. */
  readonly lenient?: boolean;
}

export interface ParsedImageConfig {
  /** Undefined when the text is not YAML or not a mapping; otherwise present, even with errors. */
  readonly config: ImageConfig | undefined;
  readonly diagnostics: readonly Diagnostic[];
  /** Where `include:` is written, for diagnostics about the included file. */
  readonly includeAt?: SourcePos;
}

/** Parses YAML or JSON text strictly (apko's `KnownFields(true)`), collecting all problems at once. */
export function parseImageConfig(text: string, options: ParseImageConfigOptions = {}): ParsedImageConfig {
  const sink = new DiagnosticSink(options.file ?? 'apko.yaml');
  const decoded = decodeConfigText(text, APKO_CONFIG_SHAPE, sink, { lenient: options.lenient ?? false });
  if (decoded.value === undefined) return { config: undefined, diagnostics: sink.diagnostics };
  const config = new ConfigValidator(decoded.locations, sink).validate(decoded.value);
  const includeAt = config.include === undefined ? undefined : decoded.locations.value(['include']);
  return { config, diagnostics: sink.diagnostics, ...(includeAt ? { includeAt } : {}) };
}
