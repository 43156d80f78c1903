/**
 * JSON Schema validation of SBOMs against the vector schemas (SPDX 2.3, CycloneDX 1.6 with the
 * spdx and jsf schemas it references), with ajv (draft-07) and ajv-formats.
 */
import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { fullFormats } from 'ajv-formats/dist/formats.js';
import { vector } from './paths.js';

// ajv-formats is CommonJS: under nodenext its default import is the module object.
const addFormats = (addFormatsModule as unknown as { default: (ajv: Ajv) => Ajv }).default ?? addFormatsModule;

function readSchema(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(vector('schemas', name), 'utf8')) as Record<string, unknown>;
}

let spdx: ValidateFunction | undefined;
let cdx: ValidateFunction | undefined;

function compile(): { spdx: ValidateFunction; cdx: ValidateFunction } {
  if (!spdx || !cdx) {
    const ajv = new Ajv({ allErrors: true, strict: false });
    addFormats(ajv);
    // CycloneDX 1.6 uses two formats ajv-formats lacks: IRIs are URIs that may hold non-ASCII
    // characters (percent-encode those, then check as a URI reference); idn-email likewise.
    const uriRef = fullFormats['uri-reference'] as RegExp;
    const email = fullFormats.email as RegExp;
    const ascii = (s: string): string => s.replace(/[^\x00-\x7f]/gu, (c) => encodeURIComponent(c));
    ajv.addFormat('iri-reference', (s: string) => uriRef.test(ascii(s)));
    ajv.addFormat('idn-email', (s: string) => email.test(ascii(s).replace(/%/g, 'x')));
    ajv.addSchema(readSchema('spdx.schema.json'));
    ajv.addSchema(readSchema('jsf-0.82.schema.json'));
    spdx = ajv.compile(readSchema('spdx-2.3.schema.json'));
    cdx = ajv.compile(readSchema('bom-1.6.schema.json'));
  }
  return { spdx, cdx };
}

function describe(errors: ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map(
    (e) => `${e.instancePath || '/'} ${e.message ?? ''}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`,
  );
}

/** Schema errors of an SPDX 2.3 JSON document ([] when valid). */
export function validateSpdx(doc: unknown): string[] {
  const v = compile().spdx;
  return v(doc) ? [] : describe(v.errors);
}

/** Schema errors of a CycloneDX 1.6 JSON document ([] when valid). */
export function validateCycloneDx(doc: unknown): string[] {
  const v = compile().cdx;
  return v(doc) ? [] : describe(v.errors);
}
