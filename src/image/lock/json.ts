/**
 * Reads and writes `apko.lock.json` byte for byte as apko does: Go's `json.MarshalIndent(lock, "", "  ")`
 * plus a newline, which escapes `<`, `>`, `&`, U+2028 and U+2029 and keeps the struct field order.
 */
import { LupineError } from '../../core/index.js';
import type { ApkoLock, LockConfigRef, LockKeyring, LockPackage, LockRange, LockRepository } from './types.js';

/** Go's encoding/json string escaping (HTML-safe). */
function goString(s: string): string {
  return JSON.stringify(s).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

type Field = readonly [string, Json];
type Json = string | Field[] | Json[] | { readonly fields: Field[] };

const obj = (fields: Field[]): Json => ({ fields });

function encode(v: Json, indent: string): string {
  if (typeof v === 'string') return goString(v);
  const inner = `${indent}  `;
  if (Array.isArray(v)) {
    const items = v as Json[];
    if (items.length === 0) return '[]';
    return `[\n${items.map((i) => inner + encode(i, inner)).join(',\n')}\n${indent}]`;
  }
  const fields = (v as { readonly fields: Field[] }).fields;
  if (fields.length === 0) return '{}';
  return `{\n${fields.map(([k, x]) => `${inner}${goString(k)}: ${encode(x, inner)}`).join(',\n')}\n${indent}}`;
}

const range = (r: LockRange): Json =>
  obj([
    ['range', r.range],
    ['checksum', r.checksum],
  ]);

const repo = (r: LockRepository): Json =>
  obj([
    ['name', r.name],
    ['url', r.url],
    ['architecture', r.architecture],
  ]);

const pkg = (p: LockPackage): Json =>
  obj([
    ['name', p.name],
    ['url', p.url],
    ['version', p.version],
    ['architecture', p.architecture],
    ['signature', range(p.signature)],
    ['control', range(p.control)],
    ['data', range(p.data)],
    ['checksum', p.checksum],
  ]);

const key = (k: LockKeyring): Json => {
  const f: Field[] = [
    ['name', k.name],
    ['url', k.url],
  ];
  if (k.content) f.push(['content', k.content]);
  return obj(f);
};

/** The lock file's bytes as apko writes them (2-space indent, fields in apko's order, final newline). */
export function formatLock(lock: ApkoLock): string {
  const top: Field[] = [['version', lock.version]];
  if (lock.config && (lock.config.name || lock.config.checksum)) {
    const c: Field[] = [];
    if (lock.config.name) c.push(['name', lock.config.name]);
    if (lock.config.checksum) c.push(['checksum', lock.config.checksum]);
    top.push(['config', obj(c)]);
  }
  const c = lock.contents;
  top.push([
    'contents',
    obj([
      ['keyring', c.keyring.map(key)],
      ['build_repositories', c.build_repositories.map(repo)],
      ['runtime_repositories', c.runtime_repositories.map(repo)],
      ['repositories', c.repositories.map(repo)],
      ['packages', c.packages.map(pkg)],
    ]),
  ]);
  return `${encode(obj(top), '')}\n`;
}

function bad(source: string, what: string): LupineError {
  return new LupineError('IMAGE_LOCK_MALFORMED', `${source}: ${what}`, {
    details: { source },
    hint: 'regenerate it with `lupine image lock CONFIG`',
  });
}

type Raw = Record<string, unknown>;
const isObj = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v);

function str(o: Raw, k: string, at: string, source: string, optional = false): string {
  const v = o[k];
  if (v === undefined || v === null) {
    if (optional) return '';
    throw bad(source, `${at}.${k} is missing`);
  }
  if (typeof v !== 'string') throw bad(source, `${at}.${k} must be a string`);
  return v;
}

function arr(o: Raw, k: string, at: string, source: string): Raw[] {
  const v = o[k];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || !v.every(isObj)) throw bad(source, `${at}.${k} must be a list of objects`);
  return v;
}

function rangeOf(o: Raw, k: string, at: string, source: string): LockRange {
  const v = o[k];
  if (v === undefined || v === null) return { range: '', checksum: '' };
  if (!isObj(v)) throw bad(source, `${at}.${k} must be an object`);
  return {
    range: str(v, 'range', `${at}.${k}`, source, true),
    checksum: str(v, 'checksum', `${at}.${k}`, source, true),
  };
}

/**
 * Parses a lock file. Unknown keys are ignored (newer apko versions add some); a lock without
 * per-package `checksum` (written by apko before 0.13) is rejected, as apko does.
 */
export function parseLock(text: string, source = 'apko.lock.json'): ApkoLock {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw bad(source, `not JSON (${(err as Error).message})`);
  }
  if (!isObj(raw)) throw bad(source, 'the top level must be an object');
  const version = str(raw, 'version', '', source);
  if (version !== 'v1') throw bad(source, `unsupported lock version '${version}' (expected v1)`);
  let config: LockConfigRef | undefined;
  if (raw.config !== undefined && raw.config !== null) {
    if (!isObj(raw.config)) throw bad(source, '.config must be an object');
    config = {
      name: str(raw.config, 'name', '.config', source, true),
      checksum: str(raw.config, 'checksum', '.config', source, true),
    };
  }
  const contents = raw.contents;
  if (!isObj(contents)) throw bad(source, '.contents is missing');
  const repos = (k: string) =>
    arr(contents, k, '.contents', source).map((r, i) => ({
      name: str(r, 'name', `.contents.${k}[${i}]`, source, true),
      url: str(r, 'url', `.contents.${k}[${i}]`, source),
      architecture: str(r, 'architecture', `.contents.${k}[${i}]`, source, true),
    }));
  const keyring = arr(contents, 'keyring', '.contents', source).map((k, i): LockKeyring => {
    const content = str(k, 'content', `.contents.keyring[${i}]`, source, true);
    return {
      name: str(k, 'name', `.contents.keyring[${i}]`, source, true),
      url: str(k, 'url', `.contents.keyring[${i}]`, source),
      ...(content ? { content } : {}),
    };
  });
  const packages = arr(contents, 'packages', '.contents', source).map((p, i): LockPackage => {
    const at = `.contents.packages[${i}]`;
    const checksum = str(p, 'checksum', at, source, true);
    if (checksum === '') {
      throw new LupineError('IMAGE_LOCK_MALFORMED', `${source}: ${at} has no checksum: a lock from apko before 0.13`, {
        details: { source },
        hint: 'regenerate it with `lupine image lock CONFIG` (or a current apko)',
      });
    }
    return {
      name: str(p, 'name', at, source),
      url: str(p, 'url', at, source),
      version: str(p, 'version', at, source),
      architecture: str(p, 'architecture', at, source),
      signature: rangeOf(p, 'signature', at, source),
      control: rangeOf(p, 'control', at, source),
      data: rangeOf(p, 'data', at, source),
      checksum,
    };
  });
  return {
    version,
    ...(config ? { config } : {}),
    contents: {
      keyring,
      build_repositories: repos('build_repositories'),
      runtime_repositories: repos('runtime_repositories'),
      repositories: repos('repositories'),
      packages,
    },
  };
}
