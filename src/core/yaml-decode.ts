/**
 * YAML (or JSON) text → plain values, checked against a `Shape`, with every problem reported as a
 * positioned diagnostic under the caller's codes. Scalars are read the way Go's yaml.v3 decoder
 * (apko, melange) reads them into Go fields: integers in Go syntax (`0o755`, `0755` octal,
 * `0x1ed`, `1_000`), YAML 1.1 booleans (`yes`/`no`/`on`/`off`) only where a boolean is expected,
 * anchors, aliases and `<<` merge keys.
 */
import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';
import type { Alias, LineCounter, Node, Scalar, YAMLMap, YAMLSeq } from 'yaml';
import { type ConfigPath, Locations, parseGoInt } from './config-locations.js';
import type { Shape } from './config-shape.js';
import type { DiagnosticSink, SourcePos } from './diagnostic.js';
import { didYouMean } from './did-you-mean.js';
import type { ErrorCode } from './errors.js';

let yamlModule: typeof Yaml | undefined;

/** `yaml` is loaded on first use, so that commands which never read YAML do not pay for loading it. */
function yaml(): typeof Yaml {
  yamlModule ??= createRequire(import.meta.url)('yaml') as typeof Yaml;
  return yamlModule;
}

function isAlias(n: unknown): n is Alias {
  return yaml().isAlias(n);
}
function isMap(n: unknown): n is YAMLMap {
  return yaml().isMap(n);
}
function isScalar(n: unknown): n is Scalar {
  return yaml().isScalar(n);
}
function isSeq(n: unknown): n is YAMLSeq {
  return yaml().isSeq(n);
}

/** The diagnostic code for each kind of problem the decoder finds (each config has its own). */
export interface DecodeCodes {
  readonly syntax: ErrorCode;
  readonly type: ErrorCode;
  readonly value: ErrorCode;
  readonly unknownKey: ErrorCode;
  readonly missing: ErrorCode;
  readonly deprecated: ErrorCode;
}

export interface DecodeOptions {
  readonly codes: DecodeCodes;
  /** Unknown keys become warnings instead of errors. */
  readonly lenient?: boolean;
  /** What the document is, for the "too large" hint (`an image config`). */
  readonly what?: string;
}

export interface Decoded {
  /** Undefined when the text is not even YAML (syntax errors are in the sink). */
  readonly value: Record<string, unknown> | undefined;
  readonly locations: Locations;
}

/** Values decoded per document, aliases expanded: bounds "billion laughs" documents. */
const MAX_VISITS = 200_000;

const TRUE_WORDS = new Set(['y', 'Y', 'yes', 'Yes', 'YES', 'on', 'On', 'ON', 'true', 'True', 'TRUE']);
const FALSE_WORDS = new Set(['n', 'N', 'no', 'No', 'NO', 'off', 'Off', 'OFF', 'false', 'False', 'FALSE']);

function kindOf(node: unknown): string {
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) return 'a list';
  if (isScalar(node)) {
    const v = node.value;
    if (v === null) return 'null';
    if (typeof v === 'number') return Number.isInteger(v) ? 'an integer' : 'a number';
    if (typeof v === 'boolean') return 'a boolean';
    return 'a string';
  }
  return 'something else';
}

function expected(shape: Shape): string {
  switch (shape.kind) {
    case 'string':
      return 'a string';
    case 'integer':
      return 'an integer';
    case 'boolean':
      return 'a boolean';
    case 'list':
      return 'a list';
    case 'map':
    case 'object':
      return 'a mapping';
    case 'either':
      return `${expected(shape.scalar)} or ${expected(shape.mapping)}`;
  }
}

function describePath(path: ConfigPath): string {
  let s = '';
  for (const p of path) s += typeof p === 'number' ? `[${p}]` : s === '' ? p : `.${p}`;
  return s === '' ? 'the document' : s;
}

/** `'packages' belongs under contents` when `key` is a field of some other object in the shape. */
function belongsUnder(root: Shape, key: string, here: ConfigPath): string | undefined {
  const found: string[] = [];
  const walk = (shape: Shape, path: string[], depth: number): void => {
    if (depth > 6) return;
    if (shape.kind === 'object') {
      for (const [k, f] of Object.entries(shape.fields)) {
        if (k === key && path.length > 0) found.push(path.join('.'));
        walk(f, [...path, k], depth + 1);
      }
    } else if (shape.kind === 'list') walk(shape.items, path, depth + 1);
    else if (shape.kind === 'either') walk(shape.mapping, path, depth + 1);
  };
  walk(root, [], 0);
  const where = [...new Set(found)].filter((p) => p !== here.filter((x) => typeof x === 'string').join('.'));
  return where.length > 0 ? `'${key}' belongs under ${where.join(' or ')}` : undefined;
}

interface Entry {
  readonly key: string;
  readonly keyNode: Node;
  readonly valueNode: unknown;
}

/** The decoder for one document; positions come from its LineCounter. */
class Decoder {
  readonly #doc: ReturnType<typeof Yaml.parseDocument>;
  readonly #lc: LineCounter;
  readonly #sink: DiagnosticSink;
  readonly #lenient: boolean;
  readonly #codes: DecodeCodes;
  readonly #what: string;
  readonly locations: Locations;
  #visits = 0;
  readonly #aliases = new Map<object, unknown>();

  readonly #root: Shape;

  constructor(
    doc: ReturnType<typeof Yaml.parseDocument>,
    lc: LineCounter,
    sink: DiagnosticSink,
    options: DecodeOptions,
    root: Shape,
  ) {
    this.#root = root;
    this.#codes = options.codes;
    this.#what = options.what ?? 'a config';
    this.#doc = doc;
    this.#lc = lc;
    this.#sink = sink;
    this.#lenient = options.lenient ?? false;
    this.locations = new Locations();
  }

  pos(node: unknown): SourcePos {
    const range = (node as { range?: [number, number, number] } | null)?.range;
    return range ? this.#lc.linePos(range[0]) : { line: 1, col: 1 };
  }

  /** Follows aliases (cached: yaml's Alias.resolve searches the whole document each time). */
  #resolve(node: unknown): unknown {
    let n = node;
    for (let i = 0; i < 64 && isAlias(n); i++) {
      const alias = n;
      if (!this.#aliases.has(alias)) this.#aliases.set(alias, alias.resolve(this.#doc));
      n = this.#aliases.get(alias);
    }
    return n;
  }

  #typeError(path: ConfigPath, at: unknown, actual: unknown, shape: Shape): void {
    let hint: string | undefined;
    if (shape.kind === 'list' && isScalar(actual)) hint = 'write it as a list: one `- item` per line';
    else if (shape.kind === 'string' && isScalar(actual)) hint = 'quote the value to make it a string';
    else if (shape.kind === 'integer' && isScalar(actual) && typeof actual.value === 'string')
      hint = 'write the number without quotes (octal as 0o755)';
    this.#sink.error(
      this.#codes.type,
      this.pos(at),
      `${describePath(path)}: expected ${expected(shape)}, got ${kindOf(actual)}`,
      hint,
    );
  }

  /** The entries of a mapping, with `<<` merges expanded (explicit keys win) and duplicates reported. */
  #entries(map: unknown, path: ConfigPath): Entry[] {
    const own: Entry[] = [];
    const merged: Entry[] = [];
    const seen = new Map<string, Node>();
    if (!isMap(map)) return own;
    for (const pair of map.items) {
      if (!this.#tick(pair.key)) break;
      const keyNode = this.#resolve(pair.key);
      if (isScalar(keyNode) && keyNode.source === '<<' && keyNode.type === 'PLAIN') {
        const value = this.#resolve(pair.value);
        const sources = isSeq(value) ? value.items.map((i) => this.#resolve(i)) : [value];
        for (const src of sources) {
          if (!isMap(src)) {
            this.#sink.error(this.#codes.type, this.pos(pair.value), `${describePath(path)}: << must merge a mapping`);
            continue;
          }
          for (const e of this.#entries(src, path)) if (!merged.some((m) => m.key === e.key)) merged.push(e);
        }
        continue;
      }
      if (!isScalar(keyNode) || keyNode.value === null || typeof keyNode.value === 'object') {
        this.#sink.error(this.#codes.type, this.pos(pair.key), `${describePath(path)}: keys must be plain strings`);
        continue;
      }
      const key = typeof keyNode.value === 'string' ? keyNode.value : (keyNode.source ?? String(keyNode.value));
      const first = seen.get(key);
      if (first) {
        this.#sink.error(
          this.#codes.syntax,
          this.pos(keyNode),
          `${path.length === 0 ? '' : `${describePath(path)}: `}key '${key}' is already defined at line ${this.pos(first).line}`,
          'remove one of the two entries',
        );
        continue;
      }
      seen.set(key, keyNode as Node);
      own.push({ key, keyNode: keyNode as Node, valueNode: pair.value });
    }
    return [...merged.filter((m) => !seen.has(m.key)), ...own];
  }

  /** Counts work; false (after one diagnostic) once the document expands past MAX_VISITS. */
  #tick(node: unknown): boolean {
    if (++this.#visits <= MAX_VISITS) return true;
    if (this.#visits === MAX_VISITS + 1) {
      this.#sink.error(
        this.#codes.syntax,
        this.pos(node),
        `the document expands to more than ${MAX_VISITS} values (aliases?)`,
        `a document this large is not ${this.#what}`,
      );
    }
    return false;
  }

  decode(node: unknown, shape: Shape, path: ConfigPath, key?: Node): unknown {
    if (!this.#tick(node)) return undefined;
    const n = this.#resolve(node);
    this.locations.set(path, key ? { value: this.pos(node ?? key), key: this.pos(key) } : { value: this.pos(node) });
    if (n === null || n === undefined || (isScalar(n) && n.value === null && shape.kind !== 'string')) return undefined;
    switch (shape.kind) {
      case 'string':
        return this.#string(n, shape, path, node);
      case 'integer':
        return this.#integer(n, shape, path, node);
      case 'boolean': {
        const text = isScalar(n) && n.type === 'PLAIN' ? (n.source ?? '') : undefined;
        if (text !== undefined && TRUE_WORDS.has(text)) return true;
        if (text !== undefined && FALSE_WORDS.has(text)) return false;
        if (isScalar(n) && typeof n.value === 'boolean') return n.value;
        this.#typeError(path, node, n, shape);
        return undefined;
      }
      case 'list': {
        if (!isSeq(n)) {
          this.#typeError(path, node, n, shape);
          return undefined;
        }
        return n.items.map((item, i) => this.#item(item, shape.items, [...path, i]));
      }
      case 'map': {
        if (!isMap(n)) {
          this.#typeError(path, node, n, shape);
          return undefined;
        }
        const out: Record<string, unknown> = {};
        for (const e of this.#entries(n, path)) {
          const v = this.#item(e.valueNode, shape.values, [...path, e.key], e.keyNode);
          if (v !== undefined) out[e.key] = v;
        }
        return out;
      }
      case 'object':
        return this.#object(n, shape, path, node);
      case 'either':
        if (isMap(n)) return this.decode(node, shape.mapping, path, key);
        if (isScalar(n)) return this.decode(node, shape.scalar, path, key);
        this.#typeError(path, node, n, shape);
        return undefined;
    }
  }

  /** A list item or map value: null there is an empty string for strings, else a type error. */
  #item(node: unknown, shape: Shape, path: ConfigPath, key?: Node): unknown {
    const n = this.#resolve(node);
    if (n === null || n === undefined || (isScalar(n) && n.value === null)) {
      this.locations.set(path, { value: this.pos(node ?? key), ...(key ? { key: this.pos(key) } : {}) });
      if (shape.kind === 'string' && key) return '';
      this.#typeError(path, node ?? key, n ?? { value: null }, shape);
      return undefined;
    }
    return this.decode(node, shape, path, key);
  }

  #string(n: unknown, shape: Extract<Shape, { kind: 'string' }>, path: ConfigPath, at: unknown): unknown {
    if (!isScalar(n)) {
      this.#typeError(path, at, n, shape);
      return undefined;
    }
    if (n.value === null) return undefined;
    let s: string;
    if (typeof n.value === 'string') s = n.value;
    else if (shape.anyScalar) s = (n as Scalar).source ?? String(n.value);
    else {
      this.#typeError(path, at, n, shape);
      return undefined;
    }
    if (shape.enum && !shape.enum.includes(s)) {
      const guess = didYouMean(s, shape.enum);
      this.#sink.error(
        shape.enumCode ?? this.#codes.value,
        this.pos(at),
        `${describePath(path)}: '${s}' is not one of ${shape.enum.join(', ')}`,
        guess ? `did you mean '${guess}'?` : undefined,
      );
      return undefined;
    }
    return s;
  }

  #integer(n: unknown, shape: Extract<Shape, { kind: 'integer' }>, path: ConfigPath, at: unknown): unknown {
    const text = isScalar(n) && n.type === 'PLAIN' && typeof n.value !== 'boolean' ? (n.source ?? '') : undefined;
    const v = text === undefined ? undefined : parseGoInt(text);
    if (v === undefined) {
      this.#typeError(path, at, n, shape);
      return undefined;
    }
    if (shape.mode && text !== undefined && /^[1-7][0-7]{2,3}$/.test(text)) {
      this.#sink.warn(
        this.#codes.value,
        this.pos(at),
        `${describePath(path)}: ${text} is a decimal number (0o${v.toString(8)}), as in apko`,
        `write 0o${text} for octal mode bits`,
      );
    }
    if (v < shape.minimum || v > shape.maximum) {
      const range = shape.mode ? '0 and 0o7777' : `${shape.minimum} and ${shape.maximum}`;
      this.#sink.error(this.#codes.value, this.pos(at), `${describePath(path)}: ${text} is not between ${range}`);
      return undefined;
    }
    return v;
  }

  #object(n: unknown, shape: Extract<Shape, { kind: 'object' }>, path: ConfigPath, at: unknown): unknown {
    if (!isMap(n)) {
      this.#typeError(path, at, n, shape);
      return undefined;
    }
    const out: Record<string, unknown> = {};
    const known = Object.keys(shape.fields);
    const attempted = new Set<string>();
    for (const e of this.#entries(n, path)) {
      const field = shape.fields[e.key];
      if (!field) {
        const guess = didYouMean(e.key, known);
        const where = path.length === 0 ? 'at the top level' : `in ${describePath(path)}`;
        this.#sink.add(
          this.#lenient ? 'warning' : 'error',
          this.#codes.unknownKey,
          this.pos(e.keyNode),
          `unknown key '${e.key}' ${where}`,
          guess
            ? `did you mean '${guess}'?`
            : (belongsUnder(this.#root, e.key, path) ?? `known keys: ${known.join(', ')}`),
        );
        continue;
      }
      if (field.deprecated) this.#sink.warn(this.#codes.deprecated, this.pos(e.keyNode), field.deprecated);
      const valueNode = this.#resolve(e.valueNode);
      if (valueNode !== null && valueNode !== undefined && !(isScalar(valueNode) && valueNode.value === null)) {
        attempted.add(e.key);
      }
      const v = this.decode(e.valueNode, field, [...path, e.key], e.keyNode);
      if (v !== undefined) out[e.key] = v;
    }
    for (const r of shape.required ?? []) {
      if (out[r] === undefined && !attempted.has(r)) {
        this.#sink.error(
          this.#codes.missing,
          this.pos(at),
          `${describePath(path)}: missing required key '${r}'`,
          `add '${r}:' to this entry`,
        );
      }
    }
    return out;
  }
}

/** Parses `text` and decodes it against `shape`; all problems go to `sink`. */
export function decodeConfigText(text: string, shape: Shape, sink: DiagnosticSink, options: DecodeOptions): Decoded {
  const lc = new (yaml().LineCounter)();
  const doc = yaml().parseDocument(text, { lineCounter: lc, merge: true, uniqueKeys: false, prettyErrors: false });
  for (const e of doc.errors) {
    sink.error(options.codes.syntax, lc.linePos(e.pos[0]), (e.message.split('\n')[0] ?? '').replace(/:$/, ''));
  }
  if (doc.errors.length > 0) return { value: undefined, locations: new Locations() };
  const decoder = new Decoder(doc, lc, sink, options, shape);
  if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) {
    return { value: {}, locations: decoder.locations };
  }
  const value = decoder.decode(doc.contents, shape, []);
  return { value: (value as Record<string, unknown> | undefined) ?? undefined, locations: decoder.locations };
}
