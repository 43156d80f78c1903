/** The build's trusted keys: `*.rsa.pub` files, directories of them, or URLs (I/O edge). */
import { defaultFetcher, keyReadFailure, keyringOf, readKeyFiles } from '../../repo/index.js';

export interface BuildKey {
  /** The file name in /etc/apk/keys, as `.SIGN.*` entries name it. */
  readonly name: string;
  readonly pem: Buffer;
}

/** Reads every key; a directory contributes its `*.pub` files. Later names replace earlier ones. */
export async function loadBuildKeys(uris: readonly string[], signal?: AbortSignal): Promise<BuildKey[]> {
  const keys = await readKeyFiles(uris, {
    fetcher: defaultFetcher(),
    ...(signal ? { signal } : {}),
    directorySuffix: '.pub',
    keep: 'last',
    failure: keyReadFailure(),
  });
  return keys.sort((a, b) => (a.name < b.name ? -1 : 1)).map(({ name, pem }) => ({ name, pem }));
}

export { keyringOf };
