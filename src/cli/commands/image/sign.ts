import { signImage } from '../../../sign/index.js';
import { commandHelp, parse, requireCount } from '../../args.js';
import type { Command } from '../../command.js';
import { EXIT_OK } from '../../render.js';
import { openRegistry } from '../common/open-registry.js';
import { setOnly } from '../common/set-only.js';
import { wallOrEpochClock } from '../common/wall-clock.js';
import { loadSigner, parseAnnotationArgs, requireKey, SIGNATURE_OPTIONS } from './registry.js';

const HELP = `Usage: lupine image sign REF --key cosign.key [--annotations k=v]... [--insecure] [--json]

Signs an image in a registry the way 'cosign sign --key' does, offline (no transparency log):
a simple-signing payload naming the image's current manifest digest is signed with the ECDSA
P-256 key and appended as a layer of the image 'sha256-<hex>.sig' in the same repository. An
identical signature by the same key already there is not added twice.

The key's password is read from COSIGN_PASSWORD (empty when unset). The signature image's
created time is SOURCE_DATE_EPOCH when set.

REF is host[:port]/repository[:tag][@sha256:...], or a URL http(s)://[user:pass@]host/... .
Credentials come from HTTP_AUTH (basic:HOST:USER:PASS) and the docker config.json.
`;

export const imageSignCommand: Command = {
  path: ['image', 'sign'],
  summary: 'sign an image in a registry with a cosign key (sha256-<hex>.sig)',
  help: commandHelp(HELP, SIGNATURE_OPTIONS),
  options: SIGNATURE_OPTIONS,
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
        ...setOnly({ annotations: Object.keys(annotations).length > 0 ? annotations : undefined }),
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
