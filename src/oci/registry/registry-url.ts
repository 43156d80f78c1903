import { LupineError } from '../../core/index.js';
import type { RegistryClientOptions } from './connection.js';
import { chainCredentials, staticCredentials } from './credentials.js';
import { isLoopback, type RegistryUrl } from './reference.js';

/**
 * Client options for a reference given as a URL (`http://user:pass@host:port/repo:tag`): its scheme is
 * used for that registry and its credentials are tried before `options.credentials`. A plain-HTTP URL
 * to a non-loopback host is refused unless `options.insecure`.
 */
export function clientOptionsForUrl(url: RegistryUrl, options: RegistryClientOptions = {}): RegistryClientOptions {
  const registry = url.reference.registry;
  if (url.scheme === 'http' && !isLoopback(registry) && !options.insecure) {
    throw new LupineError('OCI_INSECURE_REFUSED', `refusing plain HTTP to ${registry}`, {
      details: { registry },
      hint: 'use https://, or set insecure to allow plain HTTP to this registry',
    });
  }
  const creds = url.credentials
    ? staticCredentials(
        { kind: 'basic', username: url.credentials.username, password: url.credentials.password },
        registry,
      )
    : undefined;
  return {
    ...options,
    ...(url.scheme ? { schemes: { ...options.schemes, [registry]: url.scheme } } : {}),
    ...(creds ? { credentials: options.credentials ? chainCredentials(creds, options.credentials) : creds } : {}),
  };
}
