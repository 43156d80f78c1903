import { resolve } from 'node:path';
import { LupineError, readInputFile } from '../../../core/index.js';
import { attestImage, predicateTypeFor } from '../../../sign/index.js';
import { commandHelp, parse, requireCount } from '../../args.js';
import type { Command } from '../../command.js';
import { EXIT_OK } from '../../render.js';
import { openRegistry } from '../common/open-registry.js';
import { wallOrEpochClock } from '../common/wall-clock.js';
import { ATTESTATION_REGISTRY_OPTIONS, loadSigner, referrersMode, requireKey } from './registry.js';

const HELP = `Usage: lupine image attest REF --key cosign.key --predicate FILE [--type TYPE] [--replace]
                           [--registry-referrers-mode legacy|oci-1-1] [--json]

Attests an image like 'cosign attest --key', offline: an in-toto v1 Statement whose subject is the
image (repository name and the manifest digest REF points at now) and whose predicate is FILE,
signed in a DSSE envelope and appended as a layer (with a predicateType annotation) of the image
'sha256-<hex>.att' in the same repository.

TYPE is a URI or one of: spdx, spdxjson, cyclonedx, slsaprovenance (SLSA v1), slsaprovenance1,
slsaprovenance02, link, vuln, openvex, custom (default custom).

With --registry-referrers-mode oci-1-1 the envelope goes into an OCI 1.1 referrer manifest instead
(subject = the image, artifactType application/vnd.in-toto+json), as cosign writes it in that mode;
it is listed in the referrers fallback index at tag 'sha256-<hex>', since CNCF distribution has no
referrers API.

The key's password is read from COSIGN_PASSWORD (empty when unset).
`;

const options = {
  key: { type: 'string', arg: 'FILE', help: 'the encrypted private key (cosign.key)' },
  predicate: { type: 'string', arg: 'FILE', help: 'the predicate, JSON (an SBOM, provenance, VEX document...)' },
  type: { type: 'string', arg: 'TYPE', help: 'the predicate type (see above)' },
  replace: { type: 'boolean', help: 'drop existing attestations of the same predicate type (legacy mode)' },
  ...ATTESTATION_REGISTRY_OPTIONS,
  json: { type: 'boolean', help: 'print the result as JSON' },
} as const;

async function readPredicate(file: string, cwd: string): Promise<unknown> {
  const text = await readInputFile(resolve(cwd, file), 'predicate', 'utf8');
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new LupineError('SIGN_BAD_PREDICATE', `${file}: not JSON (${(err as Error).message})`, {
      details: { path: resolve(cwd, file) },
      hint: 'the predicate must be a JSON document',
    });
  }
}

export const imageAttestCommand: Command = {
  path: ['image', 'attest'],
  summary: 'attach a signed in-toto attestation (SBOM, provenance, VEX...) to an image (sha256-<hex>.att)',
  help: commandHelp(HELP, options),
  options: options,
  async run(argv, io) {
    const { values, positionals } = parse(argv, options, 'image attest');
    requireCount(positionals, 1, 1, 'image attest', 'one image REF');
    const keyPath = requireKey(values.key, 'image attest');
    if (values.predicate === undefined) {
      throw new LupineError('USAGE', 'image attest: --predicate is required', {
        hint: "see 'lupine image attest --help'",
      });
    }
    const mode = referrersMode(values['registry-referrers-mode'], 'image attest');
    const predicateType = predicateTypeFor(values.type ?? 'custom');
    const predicate = await readPredicate(values.predicate, io.cwd);
    const signer = await loadSigner(keyPath, io);
    const { ref, client } = openRegistry(positionals[0] as string, io, values.insecure === true);
    try {
      const r = await attestImage(client, ref, signer, {
        predicateType,
        predicate,
        clock: wallOrEpochClock(io),
        replace: values.replace === true,
        mode,
      });
      if (values.json) {
        const out = {
          image: r.name,
          digest: r.digest,
          tag: r.tag,
          attestationManifest: r.attestationManifest,
          attestations: r.attestations,
          predicateType,
        };
        io.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
      } else {
        const where =
          mode === 'oci-1-1'
            ? `referrer ${r.attestationManifest}, listed at ${r.name}:${r.tag}`
            : `${r.name}:${r.tag} (${r.attestations} attestation(s))`;
        io.stdout.write(`${r.name}@${r.digest}: pushed ${predicateType} attestation to ${where}\n`);
      }
      return EXIT_OK;
    } finally {
      client.close();
    }
  },
};
