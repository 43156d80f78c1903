/** A registry client for an image reference, with credentials from the environment. */
import {
  clientOptionsForUrl,
  envCredentials,
  parseRegistryUrl,
  type Reference,
  RegistryClient,
} from '../../../oci/index.js';
import type { CliIo } from '../../io.js';

/** `host[:port]/repo[:tag][@digest]` or an http(s) URL → its reference and a client for its registry. */
export function openRegistry(
  refText: string,
  io: CliIo,
  insecure: boolean,
): { ref: Reference; client: RegistryClient } {
  const url = parseRegistryUrl(refText);
  const credentials = envCredentials(io.env);
  const client = new RegistryClient(clientOptionsForUrl(url, { credentials, insecure, env: io.env }));
  return { ref: url.reference, client };
}
