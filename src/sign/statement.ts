/**
 * in-toto attestation Statements (v1) and the predicate types cosign knows by name.
 */
import { LupineError } from '../core/index.js';
import { encodeJson, fields, type JsonValue, sortedObject } from '../oci/index.js';
import { jsonObjectOf } from './json-object.js';

export const STATEMENT_V1 = 'https://in-toto.io/Statement/v1';
/** What cosign writes when it builds a statement itself; read as well. */
export const STATEMENT_V01 = 'https://in-toto.io/Statement/v0.1';

export const PredicateType = {
  spdx: 'https://spdx.dev/Document',
  cyclonedx: 'https://cyclonedx.org/bom',
  slsaProvenanceV1: 'https://slsa.dev/provenance/v1',
  slsaProvenanceV02: 'https://slsa.dev/provenance/v0.2',
  link: 'https://in-toto.io/Link/v1',
  vuln: 'https://cosign.sigstore.dev/attestation/vuln/v1',
  openvex: 'https://openvex.dev/ns',
  custom: 'https://cosign.sigstore.dev/attestation/v1',
} as const;

/**
 * cosign's `--type` names. One deliberate difference: `slsaprovenance` means SLSA v1 here (the
 * provenance lupine builds), where cosign maps it to v0.2; `slsaprovenance02` gives v0.2.
 */
const NAMED: Readonly<Record<string, string>> = {
  spdx: PredicateType.spdx,
  spdxjson: PredicateType.spdx,
  cyclonedx: PredicateType.cyclonedx,
  slsaprovenance: PredicateType.slsaProvenanceV1,
  slsaprovenance1: PredicateType.slsaProvenanceV1,
  slsaprovenance02: PredicateType.slsaProvenanceV02,
  link: PredicateType.link,
  vuln: PredicateType.vuln,
  openvex: PredicateType.openvex,
  custom: PredicateType.custom,
};

/** `--type` (a cosign name or a URI) → predicate type URI. */
export function predicateTypeFor(type: string): string {
  const named = NAMED[type.toLowerCase()];
  if (named) return named;
  if (/^[a-z][a-z0-9+.-]*:\/\/\S+$/i.test(type)) return type;
  throw new LupineError('USAGE', `unknown predicate type '${type}'`, {
    details: { type },
    hint: `use one of ${Object.keys(NAMED).join(', ')} or a URI`,
  });
}

/** An in-toto ResourceDescriptor (subjects, dependencies, byproducts). */
export interface ResourceDescriptor {
  readonly name?: string;
  readonly uri?: string;
  readonly digest?: Readonly<Record<string, string>>;
  readonly downloadLocation?: string;
  readonly mediaType?: string;
  readonly annotations?: Readonly<Record<string, string>>;
}

export interface StatementSubject {
  readonly name: string;
  readonly digest: Readonly<Record<string, string>>;
  /** Extra facts about the subject (e.g. an apk's `C:` identity); written sorted by key. */
  readonly annotations?: Readonly<Record<string, string>>;
}

export interface InTotoStatement {
  readonly _type: string;
  readonly subject: readonly StatementSubject[];
  readonly predicateType: string;
  readonly predicate: unknown;
}

export function makeStatement(
  subject: readonly StatementSubject[],
  predicateType: string,
  predicate: unknown,
): InTotoStatement {
  return { _type: STATEMENT_V1, subject, predicateType, predicate };
}

/** Plain JSON data as an ordered JsonValue (object keys keep their order). */
export function toJsonValue(v: unknown, path = 'predicate'): JsonValue {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw badPredicate(`${path} is not a finite number`);
    return v;
  }
  if (Array.isArray(v)) return v.map((x, i) => toJsonValue(x, `${path}[${i}]`));
  if (typeof v === 'object') {
    return fields(
      ...Object.entries(v as Record<string, unknown>)
        .filter(([, x]) => x !== undefined)
        .map(([k, x]) => [k, toJsonValue(x, `${path}.${k}`)] as const),
    );
  }
  throw badPredicate(`${path} is not JSON data`);
}

function badPredicate(problem: string): LupineError {
  return new LupineError('SIGN_BAD_PREDICATE', problem, { details: { problem }, hint: 'pass a JSON predicate' });
}

/** The statement's bytes: `_type`, `subject`, `predicateType`, `predicate`. */
export function encodeStatement(s: InTotoStatement): Buffer {
  return encodeJson(
    fields(
      ['_type', s._type],
      [
        'subject',
        s.subject.map((x) =>
          fields(
            ['name', x.name],
            ['digest', sortedObject(x.digest, (d) => d)],
            [
              'annotations',
              x.annotations && Object.keys(x.annotations).length > 0
                ? sortedObject(x.annotations, (a) => a)
                : undefined,
            ],
          ),
        ),
      ],
      ['predicateType', s.predicateType],
      ['predicate', toJsonValue(s.predicate)],
    ),
  );
}

/** Reads a statement (shape only). */
export function parseStatement(bytes: Uint8Array): InTotoStatement {
  const s = jsonObjectOf(bytes, badStatement);
  if (s._type !== STATEMENT_V1 && s._type !== STATEMENT_V01) throw badStatement(`unknown _type ${String(s._type)}`);
  if (typeof s.predicateType !== 'string') throw badStatement('"predicateType" is missing');
  if (!Array.isArray(s.subject)) throw badStatement('"subject" is not a list');
  const subject = s.subject.map((x): StatementSubject => {
    const r = (typeof x === 'object' && x !== null ? x : {}) as Record<string, unknown>;
    const d = (typeof r.digest === 'object' && r.digest !== null ? r.digest : {}) as Record<string, unknown>;
    const digest: Record<string, string> = {};
    for (const [k, v] of Object.entries(d)) if (typeof v === 'string') digest[k] = v;
    const a = (typeof r.annotations === 'object' && r.annotations !== null ? r.annotations : {}) as Record<
      string,
      unknown
    >;
    const annotations: Record<string, string> = {};
    for (const [k, v] of Object.entries(a)) if (typeof v === 'string') annotations[k] = v;
    return {
      name: typeof r.name === 'string' ? r.name : '',
      digest,
      ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
    };
  });
  return { _type: s._type, subject, predicateType: s.predicateType, predicate: s.predicate ?? null };
}

function badStatement(problem: string): LupineError {
  return new LupineError('SIGN_BAD_PAYLOAD', `in-toto statement: ${problem}`, {
    details: { problem },
    hint: 'the attestation does not hold an in-toto statement',
  });
}
