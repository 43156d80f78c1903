import { LupineError } from '../../core/index.js';
import type { CredentialSource, Credentials } from './credentials.js';
import type { HttpRequest, HttpResponse } from './http-transport.js';
import { isLoopback } from './reference.js';
import { type Challenge, parseWwwAuthenticate } from './www-authenticate.js';

/** Sends a request with the client's retries (but no authentication). */
export type Send = (req: HttpRequest) => Promise<HttpResponse>;

export function unauthorized(registry: string, message: string, details: Record<string, unknown> = {}): LupineError {
  return new LupineError('OCI_UNAUTHORIZED', `${registry}: ${message}`, {
    details: { registry, ...details },
    hint: 'give credentials: docker config.json (auths), HTTP_AUTH=basic:HOST:USER:PASS, or user:pass@ in the registry URL',
  });
}

/**
 * The authentication state for one registry: the challenge it answered `/v2/` with, and bearer
 * tokens per scope set. Anonymous, basic and bearer (token endpoint, with basic or refresh-token
 * credentials) are supported.
 */
export class RegistryAuth {
  readonly #registry: string;
  readonly #credentials: CredentialSource;
  readonly #send: Send;
  readonly #insecure: boolean;
  #challenge: Challenge | null | undefined;
  readonly #tokens = new Map<string, string>();
  #creds: Promise<Credentials | undefined> | undefined;

  constructor(registry: string, credentials: CredentialSource, send: Send, insecure: boolean) {
    this.#registry = registry;
    this.#credentials = credentials;
    this.#send = send;
    this.#insecure = insecure;
  }

  #credentialsOnce(): Promise<Credentials | undefined> {
    this.#creds ??= this.#credentials.get(this.#registry);
    return this.#creds;
  }

  /** Learns how the registry wants to be talked to (GET /v2/), once. */
  async ping(base: URL): Promise<void> {
    if (this.#challenge !== undefined) return;
    const res = await this.#send({ method: 'GET', url: new URL('/v2/', base) });
    if (res.status === 401) this.#challenge = pickChallenge(res.headers['www-authenticate']) ?? null;
    else if (res.status >= 200 && res.status < 300) this.#challenge = null;
    else if (res.status === 404) this.#challenge = null;
    else {
      throw new LupineError('OCI_REGISTRY_ERROR', `${this.#registry}: GET /v2/ answered ${res.status}`, {
        details: { registry: this.#registry, status: res.status },
        hint: 'check that this is an OCI registry and that it is up',
      });
    }
  }

  /** The Authorization header for a request needing `scopes`, or undefined for anonymous access. */
  async header(scopes: readonly string[]): Promise<string | undefined> {
    const ch = this.#challenge;
    const creds = await this.#credentialsOnce();
    if (!ch) {
      return creds?.kind === 'basic' ? basicHeader(creds.username, creds.password) : undefined;
    }
    if (ch.scheme === 'basic') {
      return creds?.kind === 'basic' ? basicHeader(creds.username, creds.password) : undefined;
    }
    if (ch.scheme === 'bearer') {
      if (creds?.kind === 'registry-token') return `Bearer ${creds.token}`;
      const key = [...scopes].sort().join(' ');
      let token = this.#tokens.get(key);
      if (token === undefined) {
        token = await this.#fetchToken(ch, scopes, creds);
        this.#tokens.set(key, token);
      }
      return `Bearer ${token}`;
    }
    return undefined;
  }

  /**
   * After a 401: takes the registry's new challenge into account and says whether one more try is
   * worth it (a bearer token for the scopes the registry asked for, or a scheme learnt late).
   */
  async onUnauthorized(res: HttpResponse, scopes: readonly string[]): Promise<readonly string[] | undefined> {
    const ch = pickChallenge(res.headers['www-authenticate']);
    if (!ch) return undefined;
    const before = this.#challenge;
    this.#challenge = ch;
    const creds = await this.#credentialsOnce();
    if (ch.scheme === 'bearer') {
      const wanted = new Set(scopes);
      if (ch.params.scope) for (const s of ch.params.scope.split(' ')) wanted.add(s);
      this.#tokens.delete([...scopes].sort().join(' '));
      return [...wanted];
    }
    if (ch.scheme === 'basic' && creds?.kind === 'basic' && before?.scheme !== 'basic') return scopes;
    return undefined;
  }

  async #fetchToken(ch: Challenge, scopes: readonly string[], creds: Credentials | undefined): Promise<string> {
    const realm = ch.params.realm;
    if (!realm) throw unauthorized(this.#registry, 'the bearer challenge names no token realm');
    let url: URL;
    try {
      url = new URL(realm);
    } catch {
      throw unauthorized(this.#registry, `the token realm "${realm}" is not a URL`);
    }
    if (url.protocol === 'http:' && !this.#insecure && !isLoopback(url.host)) {
      throw new LupineError(
        'OCI_INSECURE_REFUSED',
        `${this.#registry}: the token endpoint ${url.origin} is plain HTTP`,
        {
          details: { registry: this.#registry, realm },
          hint: 'credentials are only sent over plain HTTP to loopback hosts; set insecure to allow it',
        },
      );
    }
    let res: HttpResponse;
    if (creds?.kind === 'identity-token') {
      const form = new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: creds.token,
        client_id: 'lupine',
      });
      if (ch.params.service) form.set('service', ch.params.service);
      form.set('scope', scopes.join(' '));
      res = await this.#send({
        method: 'POST',
        url,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: Buffer.from(form.toString()),
      });
    } else {
      if (ch.params.service) url.searchParams.set('service', ch.params.service);
      for (const s of scopes) url.searchParams.append('scope', s);
      const headers: Record<string, string> = {};
      if (creds?.kind === 'basic') headers.authorization = basicHeader(creds.username, creds.password);
      res = await this.#send({ method: 'GET', url, headers });
    }
    if (res.status === 401 || res.status === 403) {
      throw unauthorized(
        this.#registry,
        `the token endpoint refused ${creds ? 'the credentials' : 'anonymous access'} (${res.status})`,
        {
          status: res.status,
        },
      );
    }
    if (res.status < 200 || res.status >= 300) {
      throw new LupineError('OCI_REGISTRY_ERROR', `${this.#registry}: the token endpoint answered ${res.status}`, {
        details: { registry: this.#registry, status: res.status },
        hint: "the registry's auth service failed; try again later",
      });
    }
    let body: { token?: unknown; access_token?: unknown };
    try {
      body = JSON.parse(res.body.toString('utf8'));
    } catch {
      throw unauthorized(this.#registry, 'the token endpoint did not answer JSON');
    }
    const token =
      typeof body.token === 'string' ? body.token : typeof body.access_token === 'string' ? body.access_token : '';
    if (!token) throw unauthorized(this.#registry, 'the token endpoint gave no token');
    return token;
  }
}

function basicHeader(user: string, pass: string): string {
  return `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
}

function pickChallenge(header: string | undefined): Challenge | undefined {
  if (!header) return undefined;
  const all = parseWwwAuthenticate(header);
  return all.find((c) => c.scheme === 'bearer') ?? all.find((c) => c.scheme === 'basic');
}
