import { setTimeout as sleep } from 'node:timers/promises';
import { LupineError } from '../../core/index.js';
import { type Digest, isDigest, sha256Digest } from '../digest.js';
import {
  checkDownloaded,
  MANIFEST_ACCEPT,
  type RegistryClientOptions,
  RegistryConnection,
  type Repo,
  registryErrors,
  TransientFailure,
} from './connection.js';
import type { HttpResponse } from './http-transport.js';
import { manifestRef, type Reference } from './reference.js';

/** Largest manifest accepted (distribution's own limit). */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

export interface PushBlobOptions {
  /** Upload in PATCH chunks of this many bytes (Content-Range); default: one PUT. */
  readonly chunkSize?: number;
  /** Try a cross-repository mount from this repository (same registry) first. */
  readonly mountFrom?: string;
}

export type PushBlobOutcome = 'existed' | 'mounted' | 'uploaded';

export interface FetchedManifest {
  readonly bytes: Buffer;
  readonly mediaType: string;
  readonly digest: Digest;
}

function pullScope(repo: Repo): string {
  return `repository:${repo.repository}:pull`;
}

function pushScope(repo: Repo): string {
  return `repository:${repo.repository}:pull,push`;
}

/**
 * An OCI distribution client: blobs (HEAD, GET, monolithic and chunked upload, cross-repository mount),
 * manifests (PUT, GET, HEAD) and tag listing, over `RegistryConnection`.
 */
export class RegistryClient {
  readonly #c: RegistryConnection;

  constructor(options: RegistryClientOptions = {}) {
    this.#c = new RegistryConnection(options);
  }

  /** Checks that the registry answers and accepts our credentials for `repo` (pull). */
  async ping(repo: Repo): Promise<void> {
    const res = await this.#c.request(repo, { method: 'GET', path: '/v2/', scopes: [pullScope(repo)] });
    if (res.status !== 200) throw this.#c.fail(repo, res, 'GET /v2/');
  }

  /** The blob's size when the repository has it, else undefined. */
  async blobSize(repo: Repo, digest: Digest, push = false): Promise<number | undefined> {
    const res = await this.#c.request(repo, {
      method: 'HEAD',
      path: `/v2/${repo.repository}/blobs/${digest}`,
      scopes: [push ? pushScope(repo) : pullScope(repo)],
    });
    if (res.status === 404) return undefined;
    if (res.status !== 200) throw this.#c.fail(repo, res, `HEAD blob ${digest}`);
    const n = Number(res.headers['content-length']);
    return Number.isFinite(n) ? n : 0;
  }

  async blobExists(repo: Repo, digest: Digest): Promise<boolean> {
    return (await this.blobSize(repo, digest)) !== undefined;
  }

  /** Downloads a blob and checks its digest; `maxBytes` caps the body as it streams in (LIMIT_EXCEEDED). */
  async getBlob(repo: Repo, digest: Digest, options: { readonly maxBytes?: number } = {}): Promise<Buffer> {
    const res = await this.#c.request(repo, {
      method: 'GET',
      path: `/v2/${repo.repository}/blobs/${digest}`,
      scopes: [pullScope(repo)],
      ...(options.maxBytes !== undefined ? { maxBytes: options.maxBytes } : {}),
    });
    if (res.status !== 200) throw this.#c.fail(repo, res, `GET blob ${digest}`);
    checkDownloaded(repo, res.body, digest, `blob ${digest}`);
    return res.body;
  }

  /**
   * Uploads a blob unless the repository has it. Each try starts with a HEAD, so a try that failed
   * after the registry stored the blob ends as `existed`; an upload whose session was lost is started
   * again, up to the retry policy's attempts. A chunked upload that lost its session is retried as one
   * PUT: distribution cancels a session whose PATCH response was lost (the client cannot learn the new
   * offset), and a single PUT has no such step.
   */
  async pushBlob(
    repo: Repo,
    bytes: Uint8Array,
    options: PushBlobOptions = {},
  ): Promise<{ digest: Digest; outcome: PushBlobOutcome }> {
    const digest = sha256Digest(bytes);
    const policy = this.#c.retryPolicy;
    let opts = options;
    for (let attempt = 1; ; attempt++) {
      if ((await this.blobSize(repo, digest, true)) !== undefined) return { digest, outcome: 'existed' };
      try {
        const outcome = await this.#uploadOnce(repo, bytes, digest, opts);
        return { digest, outcome };
      } catch (err) {
        if (!(err instanceof TransientFailure) || attempt >= policy.attempts) {
          if (err instanceof TransientFailure) {
            throw new LupineError(
              'OCI_REGISTRY_ERROR',
              `${repo.registry}/${repo.repository}: uploading ${digest} failed ${attempt} times: ${err.message}`,
              {
                cause: err,
                details: { registry: repo.registry, repository: repo.repository, digest, attempts: attempt },
                hint: 'the registry keeps failing; check it and try again',
              },
            );
          }
          throw err;
        }
        const delay = this.#c.backoff(attempt);
        if (opts.chunkSize !== undefined)
          opts = { ...(opts.mountFrom !== undefined ? { mountFrom: opts.mountFrom } : {}) };
        this.#c.logger.debug(
          `${repo.registry}/${repo.repository}: upload of ${digest} failed (${err.message}); restarting in ${delay} ms`,
        );
        await sleep(delay);
      }
    }
  }

  /** Tries a cross-repository mount; true when the registry mounted the blob. */
  async mountBlob(repo: Repo, digest: Digest, fromRepository: string): Promise<boolean> {
    const res = await this.#startUpload(repo, digest, fromRepository, true);
    if (res.status === 201) return true;
    return false;
  }

  async #startUpload(repo: Repo, digest: Digest, mountFrom: string | undefined, retry: boolean): Promise<HttpResponse> {
    const q = mountFrom ? `?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(mountFrom)}` : '';
    const scopes = [pushScope(repo), ...(mountFrom ? [`repository:${mountFrom}:pull`] : [])];
    const res = await this.#c.request(repo, {
      method: 'POST',
      path: `/v2/${repo.repository}/blobs/uploads/${q}`,
      scopes,
      retry,
    });
    if (res.status !== 201 && res.status !== 202) throw this.#c.fail(repo, res, 'starting a blob upload');
    return res;
  }

  /**
   * One upload session. A PATCH or PUT that fails transiently is resumed: the session's status
   * (GET on its Location) says how many bytes the registry holds and gives a fresh Location. A session
   * the registry dropped (distribution cancels one resumed at a stale offset) ends this try with a
   * TransientFailure, and `pushBlob` starts over.
   */
  async #uploadOnce(repo: Repo, bytes: Uint8Array, digest: Digest, options: PushBlobOptions): Promise<PushBlobOutcome> {
    const scopes = [pushScope(repo)];
    const start = await this.#startUpload(repo, digest, options.mountFrom, true);
    if (start.status === 201) return 'mounted';
    let location = this.#location(repo, start);
    let offset = 0;
    const minChunk = Number(start.headers['oci-chunk-min-length']) || 0;
    const chunkSize = options.chunkSize !== undefined ? Math.max(options.chunkSize, minChunk, 1) : undefined;
    const attempts = this.#c.retryPolicy.attempts;
    for (let failures = 0; ; ) {
      try {
        if (chunkSize !== undefined && offset < bytes.length) {
          const end = Math.min(bytes.length, offset + chunkSize);
          const res = await this.#c.request(repo, {
            method: 'PATCH',
            path: location,
            headers: { 'content-type': 'application/octet-stream', 'content-range': `${offset}-${end - 1}` },
            body: bytes.subarray(offset, end),
            scopes,
            retry: false,
          });
          this.#uploadStatus(repo, res, 202, `uploading bytes ${offset}-${end - 1} of ${digest}`);
          location = this.#location(repo, res);
          offset = end;
          continue;
        }
        const url = new URL(location, this.#c.baseUrl(repo.registry));
        url.searchParams.set('digest', digest);
        const rest = offset < bytes.length ? bytes.subarray(offset) : undefined;
        const res = await this.#c.request(repo, {
          method: 'PUT',
          path: url.href,
          headers: { 'content-type': 'application/octet-stream' },
          ...(rest ? { body: rest } : {}),
          scopes,
          retry: false,
        });
        this.#uploadStatus(repo, res, 201, `finishing the upload of ${digest}`);
        return 'uploaded';
      } catch (err) {
        if (!(err instanceof TransientFailure) || ++failures >= attempts) throw err;
        await sleep(this.#c.backoff(failures));
        ({ offset, location } = await this.#resume(repo, location));
      }
    }
  }

  /** Where an upload session stands: GET on its Location answers 204 with `Range: 0-<last>`. */
  async #resume(repo: Repo, location: string): Promise<{ offset: number; location: string }> {
    const res = await this.#c.request(repo, { method: 'GET', path: location, scopes: [pushScope(repo)] });
    if (res.status !== 204) throw new TransientFailure(`the upload session is gone (${res.status})`, res);
    const m = /^(?:bytes=)?0-(\d+)$/.exec(res.headers.range ?? '');
    // distribution writes "0-0" for an empty upload as well as a one-byte one; an empty one is likelier.
    const last = m ? Number(m[1]) : -1;
    return { offset: last > 0 ? last + 1 : 0, location: res.headers.location ? this.#location(repo, res) : location };
  }

  #location(repo: Repo, res: HttpResponse): string {
    const loc = res.headers.location;
    if (!loc) throw this.#c.fail(repo, res, 'the upload response has no Location');
    return new URL(loc, this.#c.baseUrl(repo.registry)).href;
  }

  /** Throws for a bad upload response; a lost session or a server error is worth restarting. */
  #uploadStatus(repo: Repo, res: HttpResponse, want: number, what: string): void {
    if (res.status === want) return;
    const codes = registryErrors(res).map((e) => e.code);
    if (
      res.status === 404 ||
      res.status === 416 ||
      res.status >= 500 ||
      res.status === 429 ||
      codes.includes('BLOB_UPLOAD_UNKNOWN')
    ) {
      throw new TransientFailure(`${what}: status ${res.status}`, res);
    }
    throw this.#c.fail(repo, res, what);
  }

  /** Stores a manifest under `ref`'s tag (or digest) and returns its digest. */
  async putManifest(ref: Reference, bytes: Uint8Array, mediaType: string): Promise<Digest> {
    const digest = sha256Digest(bytes);
    const target = ref.tag ?? ref.digest ?? digest;
    if (isDigest(target) && target !== digest) {
      throw new LupineError('OCI_DIGEST_MISMATCH', `manifest hashes to ${digest}, not ${target}`, {
        details: { expected: target, actual: digest },
        hint: 'push the manifest under its own digest',
      });
    }
    const res = await this.#c.request(ref, {
      method: 'PUT',
      path: `/v2/${ref.repository}/manifests/${target}`,
      headers: { 'content-type': mediaType },
      body: bytes,
      scopes: [pushScope(ref)],
    });
    if (res.status !== 201 && res.status !== 200) throw this.#c.fail(ref, res, `PUT manifest ${target}`);
    const told = res.headers['docker-content-digest'];
    if (told && told !== digest) {
      throw new LupineError(
        'OCI_DIGEST_MISMATCH',
        `${ref.registry} stored the manifest as ${told}, expected ${digest}`,
        {
          details: { expected: digest, actual: told },
          hint: 'the registry rewrote the manifest; it does not keep manifests byte for byte',
        },
      );
    }
    return digest;
  }

  /** Fetches a manifest or index by tag or digest; a digest reference is verified. */
  async getManifest(ref: Reference, accept: string = MANIFEST_ACCEPT): Promise<FetchedManifest> {
    const target = manifestRef(ref);
    const res = await this.#c.request(ref, {
      method: 'GET',
      path: `/v2/${ref.repository}/manifests/${target}`,
      headers: { accept },
      scopes: [pullScope(ref)],
    });
    if (res.status === 404) throw this.#unknownManifest(ref, res, target);
    if (res.status !== 200) throw this.#c.fail(ref, res, `GET manifest ${target}`);
    if (res.body.length > MAX_MANIFEST_BYTES) {
      throw new LupineError(
        'LIMIT_EXCEEDED',
        `manifest ${target} is ${res.body.length} bytes, over ${MAX_MANIFEST_BYTES}`,
        {
          details: { size: res.body.length },
        },
      );
    }
    const digest = sha256Digest(res.body);
    if (isDigest(target)) checkDownloaded(ref, res.body, target, `manifest ${target}`);
    const mediaType = (res.headers['content-type'] ?? '').split(';')[0]?.trim() ?? '';
    return { bytes: res.body, mediaType, digest };
  }

  /** Digest, media type and size of a manifest, or undefined when there is none. */
  async headManifest(ref: Reference): Promise<{ digest: Digest; mediaType: string; size: number } | undefined> {
    const target = manifestRef(ref);
    const res = await this.#c.request(ref, {
      method: 'HEAD',
      path: `/v2/${ref.repository}/manifests/${target}`,
      headers: { accept: MANIFEST_ACCEPT },
      scopes: [pullScope(ref)],
    });
    if (res.status === 404) return undefined;
    if (res.status !== 200) throw this.#c.fail(ref, res, `HEAD manifest ${target}`);
    const d = res.headers['docker-content-digest'] ?? '';
    if (!isDigest(d))
      return await this.getManifest(ref).then((m) => ({
        digest: m.digest,
        mediaType: m.mediaType,
        size: m.bytes.length,
      }));
    return {
      digest: d,
      mediaType: (res.headers['content-type'] ?? '').split(';')[0]?.trim() ?? '',
      size: Number(res.headers['content-length']) || 0,
    };
  }

  #unknownManifest(ref: Reference, res: HttpResponse, target: string): LupineError {
    const err = this.#c.fail(ref, res, `manifest ${target}`);
    if (err.code !== 'OCI_REGISTRY_ERROR') return err;
    return new LupineError('OCI_MANIFEST_UNKNOWN', `${ref.registry}/${ref.repository}: no manifest ${target}`, {
      details: { registry: ref.registry, repository: ref.repository, reference: target },
      hint: 'check the tag or digest and the repository name',
    });
  }

  /** Every tag of a repository, following `Link` pagination, sorted. */
  async listTags(repo: Repo, pageSize = 1000): Promise<string[]> {
    const tags: string[] = [];
    let path: string | undefined = `/v2/${repo.repository}/tags/list?n=${pageSize}`;
    for (let pages = 0; path !== undefined && pages < 10_000; pages++) {
      const res = await this.#c.request(repo, { method: 'GET', path, scopes: [pullScope(repo)] });
      if (res.status === 404) throw this.#c.fail(repo, res, 'listing tags');
      if (res.status !== 200) throw this.#c.fail(repo, res, 'listing tags');
      let body: { tags?: unknown };
      try {
        body = JSON.parse(res.body.toString('utf8'));
      } catch {
        throw this.#c.fail(repo, res, 'the tag list is not JSON');
      }
      if (Array.isArray(body.tags)) for (const t of body.tags) if (typeof t === 'string') tags.push(t);
      const link = /<([^>]+)>\s*;\s*rel="?next"?/.exec(res.headers.link ?? '');
      path = link ? (link[1] as string) : undefined;
    }
    return [...new Set(tags)].sort();
  }

  /** Closes idle connections (when the client made its own transport). */
  close(): void {
    this.#c.close();
  }
}
