import { LupineError } from '../../core/index.js';
import { type Digest, isDigest } from '../digest.js';

/** A parsed image reference: `registry/repository[:tag][@digest]`. */
export interface Reference {
  /** `host[:port]`; Docker Hub is `index.docker.io`. */
  readonly registry: string;
  readonly repository: string;
  readonly tag?: string;
  readonly digest?: Digest;
}

export const DOCKER_HUB = 'index.docker.io';

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const HOST_LABEL = /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])$/;

function bad(ref: string, problem: string): LupineError {
  return new LupineError('OCI_BAD_REFERENCE', `"${ref}" is not an image reference: ${problem}`, {
    details: { reference: ref },
    hint: 'write host[:port]/repository[:tag][@sha256:…], e.g. 127.0.0.1:5000/lupine/base:latest',
  });
}

function validHost(host: string): boolean {
  let h = host;
  const bracket = /^\[([0-9a-fA-F:]+)\](?::(\d+))?$/.exec(h);
  if (bracket) return true;
  const colon = h.lastIndexOf(':');
  if (colon >= 0) {
    const port = h.slice(colon + 1);
    if (!/^\d{1,5}$/.test(port) || Number(port) > 65535) return false;
    h = h.slice(0, colon);
  }
  return h.split('.').every((l) => HOST_LABEL.test(l));
}

/**
 * Parses a reference the way docker and go-containerregistry do: the first path component is a
 * registry host when it has a `.` or `:` or is `localhost`; otherwise the registry is Docker Hub and a
 * one-component name gets `library/`. Without tag or digest the tag is `latest` (`defaultTag`).
 */
export function parseReference(ref: string, options: { readonly defaultTag?: string | null } = {}): Reference {
  if (ref.length === 0 || ref.length > 512 || /\s/.test(ref)) throw bad(ref, 'empty, too long or has spaces');
  let rest = ref;
  let digest: Digest | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    const d = rest.slice(at + 1);
    if (!isDigest(d)) throw bad(ref, `"${d}" is not a sha256 digest`);
    digest = d;
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const slash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > slash) {
    tag = rest.slice(colon + 1);
    if (!TAG.test(tag)) throw bad(ref, `"${tag}" is not a valid tag`);
    rest = rest.slice(0, colon);
  }
  const first = rest.indexOf('/');
  let registry = DOCKER_HUB;
  let repository = rest;
  if (first >= 0) {
    const head = rest.slice(0, first);
    if (head.includes('.') || head.includes(':') || head === 'localhost' || head !== head.toLowerCase()) {
      if (!validHost(head)) throw bad(ref, `"${head}" is not a valid registry host`);
      registry = head;
      repository = rest.slice(first + 1);
    }
  }
  if (registry === 'docker.io' || registry === 'registry-1.docker.io') registry = DOCKER_HUB;
  if (registry === DOCKER_HUB && !repository.includes('/')) repository = `library/${repository}`;
  if (repository.length === 0 || !repository.split('/').every((c) => COMPONENT.test(c))) {
    throw bad(ref, `"${repository}" is not a valid repository name (lowercase letters, digits, separators . _ __ -)`);
  }
  const defaultTag = options.defaultTag === undefined ? 'latest' : options.defaultTag;
  if (tag === undefined && digest === undefined && defaultTag !== null) tag = defaultTag;
  return { registry, repository, ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}) };
}

/** `registry/repository[:tag][@digest]`. */
export function formatReference(r: Reference): string {
  return `${r.registry}/${r.repository}${r.tag !== undefined ? `:${r.tag}` : ''}${r.digest !== undefined ? `@${r.digest}` : ''}`;
}

/** What to put in a manifest URL: the digest when there is one, else the tag. */
export function manifestRef(r: Reference): string {
  const v = r.digest ?? r.tag;
  if (v === undefined) throw bad(formatReference(r), 'it names neither a tag nor a digest');
  return v;
}

/** The host part without a port, lowercased (`[::1]` keeps its brackets). */
export function hostOf(registry: string): string {
  if (registry.startsWith('[')) return registry.slice(0, registry.indexOf(']') + 1).toLowerCase();
  const colon = registry.lastIndexOf(':');
  return (colon >= 0 ? registry.slice(0, colon) : registry).toLowerCase();
}

/** Whether a registry is on this machine (where plain HTTP is allowed). */
export function isLoopback(registry: string): boolean {
  const h = hostOf(registry);
  return h === 'localhost' || h === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** A registry URL with optional credentials and scheme, e.g. `http://user:pass@127.0.0.1:5000/repo:tag`. */
export interface RegistryUrl {
  readonly reference: Reference;
  readonly scheme?: 'http' | 'https';
  readonly credentials?: { readonly username: string; readonly password: string };
  /** The reference as written without its credentials, for output and messages. */
  readonly shown: string;
}

/**
 * Parses a reference that may be written as a URL with a scheme and `user:pass@`, or as
 * `user:pass@host/repo[:tag]` without a scheme. The credentials never appear in an error message.
 */
export function parseRegistryUrl(value: string): RegistryUrl {
  const m = /^(https?):\/\/(.*)$/.exec(value);
  let rest = m ? (m[2] as string) : value;
  let credentials: RegistryUrl['credentials'];
  const slash = rest.indexOf('/');
  const authority = slash >= 0 ? rest.slice(0, slash) : m ? rest : '';
  const at = authority.lastIndexOf('@');
  if (at >= 0) {
    const userinfo = authority.slice(0, at);
    const c = userinfo.indexOf(':');
    credentials = {
      username: safeDecode(c >= 0 ? userinfo.slice(0, c) : userinfo),
      password: safeDecode(c >= 0 ? userinfo.slice(c + 1) : ''),
    };
    rest = rest.slice(at + 1);
  }
  const reference = parseReference(rest);
  return {
    reference,
    shown: m ? `${m[1]}://${rest}` : rest,
    ...(m ? { scheme: m[1] as 'http' | 'https' } : {}),
    ...(credentials ? { credentials } : {}),
  };
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
