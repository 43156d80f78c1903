import { loadPublicKey, verifyImage } from '../../../sign/index.js';
import { commandHelp, parse, requireCount, withHelp } from '../../args.js';
import type { Command } from '../../command.js';
import { EXIT_OK } from '../../render.js';
import { openRegistry } from '../common/open-registry.js';
import { parseAnnotationArgs, readKeyFile, requireKey, SIGNATURE_OPTIONS, verificationFailed } from './registry.js';

const HELP = `Usage: lupine image verify REF --key cosign.pub [--annotations k=v]... [--insecure] [--json]

Verifies an image's cosign signatures, like 'cosign verify --key' without a transparency log:
reads the image 'sha256-<hex>.sig' for the digest REF points at now, checks each payload layer
against its digest, each signature against the public key, that the payload is a cosign
container image signature, and that it names that same digest. Passes when at least one
signature does; prints what verified.

Exit codes: 0 verified; 1 no signatures, none verifies with the key (SIGN_BAD_SIGNATURE), or
they sign another digest, e.g. the image changed after signing (SIGN_DIGEST_MISMATCH); 3 errors.
`;

const options = withHelp(SIGNATURE_OPTIONS, {
  key: 'the public key (cosign.pub, PEM)',
  annotations: 'require this claim in the payload\'s "optional" map (repeatable)',
  json: 'print the verified signatures as JSON',
});

export const imageVerifyCommand: Command = {
  path: ['image', 'verify'],
  summary: "verify an image's cosign signatures with a public key",
  help: commandHelp(HELP, options),
  options,
  async run(argv, io) {
    const { values, positionals } = parse(argv, options, 'image verify');
    requireCount(positionals, 1, 1, 'image verify', 'one image REF');
    const keyPath = requireKey(values.key, 'image verify');
    const annotations = parseAnnotationArgs(values.annotations, 'image verify');
    const publicKey = loadPublicKey(await readKeyFile(keyPath, io), keyPath);
    const { ref, client } = openRegistry(positionals[0] as string, io, values.insecure === true);
    try {
      const r = await verifyImage(client, ref, publicKey, { annotations });
      if (values.json) {
        const out = {
          image: r.name,
          digest: r.digest,
          tag: r.tag,
          signatures: r.signatures.map((s) => ({
            layer: s.layer,
            critical: {
              identity: { 'docker-reference': s.dockerReference },
              image: { 'docker-manifest-digest': s.manifestDigest },
              type: 'cosign container image signature',
            },
            optional: s.optional,
          })),
        };
        io.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
      } else {
        io.stdout.write(`Verified ${r.name}@${r.digest} (${r.tag}):\n`);
        for (const s of r.signatures) {
          const opt = s.optional && Object.keys(s.optional).length > 0 ? ` optional=${JSON.stringify(s.optional)}` : '';
          io.stdout.write(`  ${s.layer} signs ${s.dockerReference}@${s.manifestDigest}${opt}\n`);
        }
      }
      return EXIT_OK;
    } catch (err) {
      return verificationFailed(err, io);
    } finally {
      client.close();
    }
  },
};
