/**
 * A small declarative description of a config's shape. The YAML decoder (`yaml-decode.ts`) checks
 * documents against it and `json-schema.ts` turns it into a JSON Schema, so a parser and its editor
 * schema cannot drift apart. apko's and melange's configs are both described this way.
 */
import type { ErrorCode } from './errors.js';

export interface Described {
  readonly description: string;
  /** Accepting the key, but warning that the upstream tool no longer does. */
  readonly deprecated?: string;
}

export type Shape =
  | (Described & {
      readonly kind: 'string';
      /**
       * Accept any scalar (numbers and booleans as their source text), as yaml.v3 does when it
       * decodes into a Go string. Only where numbers are natural (`archs: [386]`, env values).
       */
      readonly anyScalar?: boolean;
      readonly enum?: readonly string[];
      /** The diagnostic code for a value outside `enum`. */
      readonly enumCode?: ErrorCode;
    })
  | (Described & {
      readonly kind: 'integer';
      readonly minimum: number;
      readonly maximum: number;
      /** Mode bits: warn when a decimal literal looks like octal digits (`755`). */
      readonly mode?: boolean;
    })
  | (Described & { readonly kind: 'boolean' })
  | (Described & { readonly kind: 'list'; readonly items: Shape })
  | (Described & { readonly kind: 'map'; readonly values: Shape })
  | (Described & {
      readonly kind: 'object';
      /** The `$defs` name in the JSON Schema. */
      readonly name: string;
      readonly fields: Readonly<Record<string, Shape>>;
      readonly required?: readonly string[];
    })
  /** A scalar (first option) or a mapping (second option), chosen by the YAML node's kind. */
  | (Described & { readonly kind: 'either'; readonly scalar: Shape; readonly mapping: Shape });

export type ObjectShape = Extract<Shape, { kind: 'object' }>;
