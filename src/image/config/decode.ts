/** apko.yaml decoding: core's shape-driven YAML decoder with the IMAGE_CONFIG_* diagnostic codes. */
import {
  type DecodeCodes,
  type Decoded,
  type DiagnosticSink,
  decodeConfigText as decodeWithCodes,
  type Shape,
} from '../../core/index.js';

export { type ConfigPath, type Located, Locations, parseGoInt } from '../../core/index.js';

export const IMAGE_CONFIG_CODES: DecodeCodes = {
  syntax: 'IMAGE_CONFIG_SYNTAX',
  type: 'IMAGE_CONFIG_TYPE',
  value: 'IMAGE_CONFIG_VALUE',
  unknownKey: 'IMAGE_CONFIG_UNKNOWN_KEY',
  missing: 'IMAGE_CONFIG_MISSING',
  deprecated: 'IMAGE_CONFIG_DEPRECATED',
};

export interface DecodeOptions {
  /** Unknown keys become warnings instead of errors. */
  readonly lenient?: boolean;
}

/** Parses `text` and decodes it against `shape`; all problems go to `sink`. */
export function decodeConfigText(
  text: string,
  shape: Shape,
  sink: DiagnosticSink,
  options: DecodeOptions = {},
): Decoded {
  return decodeWithCodes(text, shape, sink, {
    codes: IMAGE_CONFIG_CODES,
    lenient: options.lenient ?? false,
    what: 'an image config',
  });
}
