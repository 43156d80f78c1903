import { loadPublicKey, predicateTypeFor, verifyAttestations } from '../../../sign/index.js';
import { commandHelp, parse, requireCount } from '../../args.js';
import type { Command } from '../../command.js';
import { EXIT_OK } from '../../render.js';
import { openRegistry } from '../common/open-registry.js';
import { setOnly } from '../common/set-only.js';
import {
  ATTESTATION_REGISTRY_OPTIONS,
  readKeyFile,
  referrersMode,
  requireKey,
  verificationFailed,
} from './registry.js';

const HELP = `Usage: lupine image verify-attestation REF --key cosign.pub [--type TYPE]
                                       [--registry-referrers-mode legacy|oci-1-1] [--insecure] [--json]

Verifies an image's attestations like 'cosign verify-attestation --key' without a transparency
log: reads the image 'sha256-<hex>.att' for the digest REF points at now, checks each DSSE
envelope's signature (over its pre-authentication encoding) against the public key, that it holds
an in-toto statement, and that a subject carries that same digest. With --type only statements of
that predicate type count. Prints the verified statements.

With --registry-referrers-mode oci-1-1 the envelopes are read from the image's OCI 1.1 referrers
(artifactType application/vnd.in-toto+json) listed in the fallback index at tag 'sha256-<hex>'.

TYPE is a URI or one of: spdx, spdxjson, cyclonedx, slsaprovenance (SLSA v1), slsaprovenance1,
slsaprovenance02, link, vuln, openvex, custom.

Exit codes: 0 verified; 1 none found, none verifies with the key, or they are about another
digest; 3 errors.
`;

const options = {
  key: { type: 'string', arg: 'FILE', help: 'the public key (cosign.pub, PEM)' },
  type: { type: 'string', arg: 'TYPE', help: 'only statements of this predicate type' },
  ...ATTESTATION_REGISTRY_OPTIONS,
  json: { type: 'boolean', help: 'print the statements as a JSON list (default: one summary line each)' },
} as const;

export const imageVerifyAttestationCommand: Command = {
  path: ['image', 'verify-attestation'],
  summary: "verify an image's in-toto attestations with a public key and print them",
  help: commandHelp(HELP, options),
  options: options,
  async run(argv, io) {
    const { values, positionals } = parse(argv, options, 'image verify-attestation');
    requireCount(positionals, 1, 1, 'image verify-attestation', 'one image REF');
    const keyPath = requireKey(values.key, 'image verify-attestation');
    const mode = referrersMode(values['registry-referrers-mode'], 'image verify-attestation');
    const predicateType = values.type !== undefined ? predicateTypeFor(values.type) : undefined;
    const publicKey = loadPublicKey(await readKeyFile(keyPath, io), keyPath);
    const { ref, client } = openRegistry(positionals[0] as string, io, values.insecure === true);
    try {
      const r = await verifyAttestations(client, ref, publicKey, { mode, ...setOnly({ predicateType }) });
      if (values.json) {
        io.stdout.write(
          `${JSON.stringify(
            r.attestations.map((a) => a.statement),
            null,
            2,
          )}\n`,
        );
      } else {
        io.stdout.write(`Verified ${r.name}@${r.digest} (${r.tag}):\n`);
        for (const a of r.attestations) io.stdout.write(`  ${a.layer} ${a.predicateType}\n`);
      }
      return EXIT_OK;
    } catch (err) {
      return verificationFailed(err, io);
    } finally {
      client.close();
    }
  },
};
