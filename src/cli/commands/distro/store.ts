/** The shared pieces of the distributed distro commands: the artifact store from `--store REF`. */
import { ArtifactStore } from '../../../cluster/index.js';
import { LupineError } from '../../../core/index.js';
import type { CliIo } from '../../io.js';
import { openRegistry } from '../common/open-registry.js';

/** `--store host[:port]/repository` (or an http(s):// URL): credentials from HTTP_AUTH / docker config. */
export function openStore(ref: string | undefined, io: CliIo, insecure: boolean, command: string): ArtifactStore {
  if (ref === undefined || ref === '') {
    throw new LupineError('USAGE', `${command}: --store REF is required with the bullmq executor`, {
      hint: 'an OCI registry repository, e.g. --store HOST:5000/distro/cache',
    });
  }
  const { ref: reference, client } = openRegistry(ref, io, insecure);
  return new ArtifactStore(client, reference);
}
