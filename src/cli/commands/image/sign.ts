import { resolve } from 'node:path';
import { isLupineError, LupineError, readInputFile } from '../../../core/index.js';
import { keySigner, loadCosignPrivateKey, type Signer, signImage } from '../../../sign/index.js';
import { parse, requireCount } from '../../args.js';
import type { Command } from '../../command.js';
import type { CliIo } from '../../io.js';
import { EXIT_FAIL, EXIT_OK, renderError } from '../../render.js';
import { openRegistry } from '../common/open-registry.js';
import { wallOrEpochClock } from '../common/wall-clock.js';

const HELP = `Usage: lupine image sign REF --key cosign.key [--annotations k=v]... [--insecure] [--json]

Signs an image in a registry the way 'cosign sign --key' does, offline (no transparency log):
a simple-signing payload naming the image's current manifest digest is signed with the ECDSA
P-256 key and appended as a layer of the image 'sha256-<hex>.sig' in the same repository. An
identical signature by the same key already there is not added twice.

The key's password is read from COSIGN_PASSWORD (empty when unset). The signature image's
created time is SOURCE_DATE_EPOCH when set.

REF is host[:port]/repository[:tag][@sha256:...], or a URL http(s)://[user:pass@]host/... .
Credentials come from HTTP_AUTH (basic:HOST:USER:PASS) and the docker config.json.

Options:
  --key FILE          the encrypted private key (cosign.key)
  --annotations k=v   a claim for the payload's "optional" map (repeatable)
  --insecure          allow plain HTTP to a registry that is not on this machine
  --json              print the result as JSON
  -h, --help          show this help
`;

/** The options `image sign` and `image verify` both take. */
export const SIGNATURE_OPTIONS = {
  key: { type: 'string' },
  annotations: { type: 'string', short: 'a', multiple: true },
  insecure: { type: 'boolean' },
  json: { type: 'boolean' },
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

export const imageSignCommand: Command = {
  path: ['image', 'sign'],
  summary: 'sign an image in a registry with a cosign key (sha256-<hex>.sig)',
  help: HELP,
  async run(argv, io) {
    const { values, positionals } = parse(argv, SIGNATURE_OPTIONS, 'image sign');
    requireCount(positionals, 1, 1, 'image sign', 'one image REF');
    const keyPath = requireKey(values.key, 'image sign');
    const annotations = parseAnnotationArgs(values.annotations, 'image sign');
    const signer = await loadSigner(keyPath, io);
    const { ref, client } = openRegistry(positionals[0] as string, io, values.insecure === true);
    try {
      const r = await signImage(client, ref, signer, {
        clock: wallOrEpochClock(io),
        ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
      });
      if (values.json) {
        io.stdout.write(
          `${JSON.stringify(
            {
              image: r.name,
              digest: r.digest,
              tag: r.tag,
              signatureManifest: r.signatureManifest,
              signatures: r.signatures,
              appended: r.appended,
              payload: JSON.parse(r.payload.toString('utf8')),
            },
            null,
            2,
          )}\n`,
        );
      } else {
        const what = r.appended ? 'pushed signature to' : 'already signed with this key:';
        io.stdout.write(`${r.name}@${r.digest}: ${what} ${r.name}:${r.tag} (${r.signatures} signature(s))\n`);
      }
      return EXIT_OK;
    } finally {
      client.close();
    }
  },
};
