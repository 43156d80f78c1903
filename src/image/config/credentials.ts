import { splitUrlCredentials, type UrlCredential } from '../../net/index.js';
import type { ResolvedImageConfig } from './types.js';

/**
 * The credentials a config's repository and keyring URLs carried (split off when the config was
 * read), and those of extra URLs given on the command line: for the fetcher only.
 */
export function imageCredentials(config: ResolvedImageConfig, extra: readonly string[] = []): UrlCredential[] {
  const c = config.contents;
  const out: UrlCredential[] = [];
  for (const r of [...c.repositories, ...c.buildRepositories, ...c.runtimeRepositories]) {
    if (r.credential) out.push(r.credential);
  }
  for (const k of c.keyring) if (k.kind === 'uri' && k.credential) out.push(k.credential);
  for (const e of extra) {
    const split = splitUrlCredentials(e.replace(/^@\S+\s+/, '').trim());
    if (split.credential) out.push(split.credential);
  }
  return out;
}
