/**
 * The strings of `contents`: package constraints (`[!]name[@tag][op version]`, apk-tools' world
 * syntax, which apko passes through) and repository lines (`url` or `@tag url`).
 */
import { isValidVersion } from '../../apk/index.js';
import { splitUrlCredentials } from '../../net/index.js';
import type { PackageSpec, RepositorySpec } from './types.js';

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

const OPERATORS = new Set(['=', '<', '>', '<=', '>=', '~', '=~', '~=', '><']);
const OPERATOR_CHARS = '<>=~';
/** Characters that never occur in an apk name (whitespace, quoting, list separators). */
const BAD_NAME = /[\s,;"'`\\]/;

export function parsePackageSpec(raw: string): Parsed<PackageSpec> {
  if (raw.trim() === '') return { ok: false, reason: 'the package name is empty' };
  if (/\s/.test(raw)) return { ok: false, reason: 'it contains whitespace; write one package per list entry' };
  let s = raw;
  const exclude = s.startsWith('!');
  if (exclude) s = s.slice(1);
  let opStart = -1;
  for (let i = 0; i < s.length; i++) {
    if (OPERATOR_CHARS.includes(s[i] as string)) {
      opStart = i;
      break;
    }
  }
  let nameTag = s;
  let op: string | null = null;
  let version: string | null = null;
  if (opStart >= 0) {
    nameTag = s.slice(0, opStart);
    let opEnd = opStart;
    while (opEnd < s.length && OPERATOR_CHARS.includes(s[opEnd] as string)) opEnd++;
    op = s.slice(opStart, opEnd);
    version = s.slice(opEnd);
    if (!OPERATORS.has(op)) return { ok: false, reason: `'${op}' is not a version operator (use = < > <= >= ~)` };
    if (version === '') return { ok: false, reason: `a version must follow '${op}'` };
    if (op !== '><' && !isValidVersion(version))
      return { ok: false, reason: `'${version}' is not a valid apk version` };
  }
  let name = nameTag;
  let tag: string | null = null;
  const at = nameTag.indexOf('@');
  if (at >= 0) {
    name = nameTag.slice(0, at);
    tag = nameTag.slice(at + 1);
    if (tag === '' || tag.includes('@')) return { ok: false, reason: 'a repository tag must follow a single @' };
  }
  if (name === '') return { ok: false, reason: 'the package name is empty' };
  if (name.startsWith('!')) return { ok: false, reason: 'only one ! may precede the name' };
  if (BAD_NAME.test(name)) return { ok: false, reason: `'${name}' is not a valid package name` };
  return { ok: true, value: { raw, name, exclude, tag, op, version } };
}

export function parseRepositorySpec(raw: string): Parsed<RepositorySpec> {
  const s = raw.trim();
  if (s === '') return { ok: false, reason: 'the repository is empty' };
  let tag: string | null = null;
  let url = s;
  if (s.startsWith('@')) {
    const m = /^@(\S+)\s+(\S+)$/.exec(s);
    if (!m) return { ok: false, reason: "a tagged repository is written '@tag url'" };
    tag = m[1] as string;
    url = m[2] as string;
  } else if (/\s/.test(s)) {
    return { ok: false, reason: "it contains whitespace; a repository is 'url' or '@tag url'" };
  }
  const split = splitUrlCredentials(url);
  const trimmed = split.url.replace(/\/+$/, '');
  const value: RepositorySpec = {
    raw: split.credential ? (tag === null ? split.url : `@${tag} ${split.url}`) : raw,
    tag,
    url: trimmed === '' ? split.url : trimmed,
    ...(split.credential ? { credential: split.credential } : {}),
  };
  return { ok: true, value };
}
