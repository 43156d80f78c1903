/**
 * What the image commands that talk to a registry share: pushing a layout to references, the
 * cosign key and signature options, and how a failed verification is reported.
 */
import { resolve } from 'node:path';
import { isLupineError, LupineError, readInputFile } from '../../../core/index.js';
import {
  clientOptionsForUrl,
  envCredentials,
  formatReference,
  type PushResult,
  parseRegistryUrl,
  pushLayout,
  type Reference,
  RegistryClient,
} from '../../../oci/index.js';
import { keySigner, loadCosignPrivateKey, type ReferrersMode, type Signer } from '../../../sign/index.js';
import type { CliIo } from '../../io.js';
import { EXIT_FAIL, renderError } from '../../render.js';

export interface PushedRef {
  /** The reference as given. */
  readonly ref: string;
  /** `registry/repository@sha256:…` of what the tag now points at. */
  readonly pushed: string;
  readonly result: PushResult;
}

/**
 * Pushes an OCI layout to every reference (credentials from HTTP_AUTH and docker config.json in
 * `io.env`; plain HTTP only for loopback registries or with `insecure`). Blobs already pushed for an
 * earlier reference are found by the registry's existence check and not sent again.
 */
export async function pushLayoutToRefs(
  layoutDir: string,
  refs: readonly string[],
  io: CliIo,
  insecure: boolean,
): Promise<PushedRef[]> {
  const credentials = envCredentials(io.env);
  const targets = refs.map((r) => {
    const url = parseRegistryUrl(r);
    return { text: url.shown, url, ref: url.reference };
  });
  const out: PushedRef[] = [];
  for (const t of targets) {
    const client = new RegistryClient(clientOptionsForUrl(t.url, { credentials, insecure, env: io.env }));
    try {
      const result = await pushLayout(client, layoutDir, t.ref);
      const at: Reference = { registry: t.ref.registry, repository: t.ref.repository, digest: result.digest };
      out.push({ ref: t.text, pushed: formatReference(at), result });
    } finally {
      client.close();
    }
  }
  return out;
}

/** The `--json` form of what was pushed. */
export function pushedJson(pushed: readonly PushedRef[], extra: Record<string, unknown> = {}): string {
  return `${JSON.stringify(
    {
      ...extra,
      pushed: pushed.map((p) => ({
        ref: p.ref,
        digest: p.result.digest,
        reference: p.pushed,
        mediaType: p.result.mediaType,
        manifests: p.result.manifests,
        blobs: p.result.blobs,
      })),
    },
    null,
    2,
  )}\n`;
}

/** The options `image sign` and `image verify` both take. */
export const SIGNATURE_OPTIONS = {
  key: { type: 'string', arg: 'FILE', help: 'the encrypted private key (cosign.key)' },
  annotations: {
    type: 'string',
    short: 'a',
    multiple: true,
    arg: 'k=v',
    help: 'a claim for the payload\'s "optional" map (repeatable)',
  },
  insecure: { type: 'boolean', help: 'allow plain HTTP to a registry that is not on this machine' },
  json: { type: 'boolean', help: 'print the result as JSON' },
} as const;

/** `k=v` pairs into a record; USAGE for a pair without `=`. */
export function parseAnnotationArgs(list: readonly string[] | undefined, command: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const a of list ?? []) {
    const eq = a.indexOf('=');
    if (eq <= 0) {
      throw new LupineError('USAGE', `${command}: --annotations expects k=v, got '${a}'`, {
        hint: `see 'lupine ${command} --help'`,
      });
    }
    out[a.slice(0, eq)] = a.slice(eq + 1);
  }
  return out;
}

/** Reads and decrypts a cosign private key with COSIGN_PASSWORD. */
export async function loadSigner(keyPath: string, io: CliIo): Promise<Signer> {
  const pem = await readInputFile(resolve(io.cwd, keyPath), 'key', 'utf8');
  return keySigner(await loadCosignPrivateKey(pem, io.env.COSIGN_PASSWORD ?? '', keyPath));
}

/** Reads a public key file (PEM SPKI). */
export async function readKeyFile(keyPath: string, io: CliIo): Promise<string> {
  return readInputFile(resolve(io.cwd, keyPath), 'key', 'utf8');
}

const VERIFY_FAILURES = new Set([
  'SIGN_NO_SIGNATURES',
  'SIGN_BAD_SIGNATURE',
  'SIGN_DIGEST_MISMATCH',
  'SIGN_NO_ATTESTATIONS',
]);

/** A failed verification is a failed check (exit 1); anything else propagates (exit 3). */
export function verificationFailed(err: unknown, io: CliIo): number {
  if (isLupineError(err) && VERIFY_FAILURES.has(err.code)) {
    io.stderr.write(renderError(err));
    return EXIT_FAIL;
  }
  throw err;
}

export function requireKey(key: string | undefined, command: string): string {
  if (key === undefined || key === '') {
    throw new LupineError('USAGE', `${command}: --key is required`, { hint: `see 'lupine ${command} --help'` });
  }
  return key;
}

/** Where `image attest` and `image verify-attestation` find attestations, and how they reach the registry. */
export const ATTESTATION_REGISTRY_OPTIONS = {
  'registry-referrers-mode': {
    type: 'string',
    arg: 'MODE',
    help: 'legacy (default: the .att tag) or oci-1-1 (a referrer)',
  },
  insecure: { type: 'boolean', help: 'allow plain HTTP to a registry that is not on this machine' },
} as const;

/** `--registry-referrers-mode`: legacy (default) or oci-1-1. */
export function referrersMode(value: string | undefined, command: string): ReferrersMode {
  if (value === undefined || value === 'legacy') return 'legacy';
  if (value === 'oci-1-1') return 'oci-1-1';
  throw new LupineError('USAGE', `${command}: --registry-referrers-mode must be legacy or oci-1-1, got '${value}'`, {
    hint: `see 'lupine ${command} --help'`,
  });
}
