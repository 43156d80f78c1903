import { join } from 'node:path';
import { LupineError, readOptionalFile } from '../../core/index.js';
import { parseHttpAuth } from '../../net/index.js';
import { DOCKER_HUB, hostOf } from './reference.js';

/** What to authenticate to a registry with. */
export type Credentials =
  | { readonly kind: 'basic'; readonly username: string; readonly password: string }
  /** An OAuth2 refresh token (`identitytoken` in config.json). */
  | { readonly kind: 'identity-token'; readonly token: string }
  /** A ready bearer token (`registrytoken`). */
  | { readonly kind: 'registry-token'; readonly token: string };

/** Where credentials come from. One verb: the credentials for a registry, if any. */
export interface CredentialSource {
  get(registry: string): Promise<Credentials | undefined>;
}

export const anonymous: CredentialSource = { get: async () => undefined };

/** Always these credentials, for one registry or all. */
export function staticCredentials(creds: Credentials, registry?: string): CredentialSource {
  return { get: async (r) => (registry === undefined || sameRegistry(r, registry) ? creds : undefined) };
}

/** Tries each source in turn. */
export function chainCredentials(...sources: CredentialSource[]): CredentialSource {
  return {
    get: async (registry) => {
      for (const s of sources) {
        const c = await s.get(registry);
        if (c) return c;
      }
      return undefined;
    },
  };
}

const HUB_ALIASES = new Set([
  DOCKER_HUB,
  'docker.io',
  'registry-1.docker.io',
  'index.docker.io/v1',
  'index.docker.io/v1/',
]);

/** The registry a config.json `auths` key names: scheme and `/v1/`, `/v2/` paths dropped; Docker Hub's aliases unified. */
export function normalizeRegistryKey(key: string): string {
  let k = key.trim().replace(/^https?:\/\//, '');
  k = k.replace(/\/(v1|v2)?\/?$/, '').replace(/\/$/, '');
  k = k.toLowerCase();
  return HUB_ALIASES.has(k) ? DOCKER_HUB : k;
}

export function sameRegistry(a: string, b: string): boolean {
  return normalizeRegistryKey(a) === normalizeRegistryKey(b);
}

function badConfig(problem: string, path?: string): LupineError {
  return new LupineError('OCI_UNAUTHORIZED', `docker config${path ? ` ${path}` : ''} is unusable: ${problem}`, {
    details: { path },
    hint: 'fix or remove the entry in config.json (auths.<registry>.auth is base64 of user:password)',
  });
}

/**
 * Credentials for `registry` from a parsed docker `config.json`: `auths.<key>.auth` (base64 of
 * `user:password`), `username`/`password`, `identitytoken` or `registrytoken`. Credential helpers
 * (`credsStore`, `credHelpers`) are not run.
 */
export function dockerConfigCredentials(config: unknown, registry: string, path?: string): Credentials | undefined {
  const auths = (config as { auths?: unknown } | null)?.auths;
  if (typeof auths !== 'object' || auths === null) return undefined;
  const want = normalizeRegistryKey(registry);
  const keys = Object.keys(auths).sort();
  const key = keys.find((k) => normalizeRegistryKey(k) === want);
  if (key === undefined) return undefined;
  const e = (auths as Record<string, unknown>)[key] as Record<string, unknown> | null;
  if (typeof e !== 'object' || e === null) throw badConfig(`auths["${key}"] is not an object`, path);
  if (typeof e.registrytoken === 'string' && e.registrytoken) return { kind: 'registry-token', token: e.registrytoken };
  if (typeof e.identitytoken === 'string' && e.identitytoken) return { kind: 'identity-token', token: e.identitytoken };
  if (typeof e.auth === 'string' && e.auth) {
    const decoded = Buffer.from(e.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) throw badConfig(`auths["${key}"].auth does not decode to user:password`, path);
    return { kind: 'basic', username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  if (typeof e.username === 'string' && typeof e.password === 'string') {
    return { kind: 'basic', username: e.username, password: e.password };
  }
  return undefined;
}

/** Reads `$DOCKER_CONFIG/config.json`, else `$HOME/.docker/config.json`; undefined when there is none. */
export async function loadDockerConfig(
  env: Readonly<Record<string, string | undefined>>,
): Promise<{ path: string; config: unknown } | undefined> {
  const dir = env.DOCKER_CONFIG || (env.HOME ? join(env.HOME, '.docker') : undefined);
  if (!dir) return undefined;
  const path = join(dir, 'config.json');
  const text = await readOptionalFile(path, 'docker config', 'utf8');
  if (text === undefined) return undefined;
  try {
    return { path, config: JSON.parse(text) };
  } catch (err) {
    throw badConfig(`not JSON (${(err as Error).message})`, path);
  }
}

/** A source backed by a docker config.json found through `env` (read once, on first use). */
export function dockerConfigSource(env: Readonly<Record<string, string | undefined>>): CredentialSource {
  let loaded: Promise<{ path: string; config: unknown } | undefined> | undefined;
  return {
    get: async (registry) => {
      loaded ??= loadDockerConfig(env);
      const c = await loaded;
      return c ? dockerConfigCredentials(c.config, registry, c.path) : undefined;
    },
  };
}

/**
 * `HTTP_AUTH=basic:HOST:USER:PASS` split as apko splits it (the password may contain `:`, there is
 * no port field; a host without a port matches any port).
 */
export function parseHttpAuthEnv(
  value: string | undefined,
): { readonly registry: string; readonly credentials: Credentials } | undefined {
  const a = parseHttpAuth(value);
  return a && { registry: a.host, credentials: { kind: 'basic', username: a.user, password: a.password } };
}

/** The usual chain for an environment (passed in, never read from the process): `HTTP_AUTH`, then docker config.json. */
export function envCredentials(env: Readonly<Record<string, string | undefined>>): CredentialSource {
  const httpAuth = parseHttpAuthEnv(env.HTTP_AUTH);
  const sources: CredentialSource[] = [];
  if (httpAuth) {
    // A host without a port matches that host on any port.
    const want = httpAuth.registry;
    const portless = !/:\d+$/.test(want);
    sources.push({
      get: async (r) =>
        sameRegistry(r, want) || (portless && sameRegistry(hostOf(r), want)) ? httpAuth.credentials : undefined,
    });
  }
  sources.push(dockerConfigSource(env));
  return chainCredentials(...sources);
}
