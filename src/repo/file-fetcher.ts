import { readFile, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { checkLimit, LupineError } from '../core/index.js';
import { DEFAULT_MAX_FETCH_BYTES, type Fetcher, type FetchOptions, type FetchResult } from './fetcher.js';

function toPath(url: string): string {
  if (!/^file:\/\//i.test(url)) return url;
  try {
    return fileURLToPath(url);
  } catch {
    // apk takes the rest of a file:// URL verbatim (apk_url_local_file).
    return url.slice('file://'.length);
  }
}

/** Reads `file://` URLs and absolute paths: a local repository. */
export class FileFetcher implements Fetcher {
  async get(url: string, options: FetchOptions = {}): Promise<FetchResult> {
    const path = toPath(url);
    try {
      const st = await stat(path);
      if (!st.isFile()) {
        throw new LupineError('REPO_NOT_FOUND', `${path} is not a file`, { details: { url, path } });
      }
      checkLimit(`size of ${path}`, st.size, options.maxBytes ?? DEFAULT_MAX_FETCH_BYTES);
      const bytes = await readFile(path, { signal: options.signal });
      return { status: 'ok', bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), url };
    } catch (err) {
      if (err instanceof LupineError) throw err;
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') {
        throw new LupineError('REPO_NOT_FOUND', `${path} does not exist`, {
          cause: err,
          details: { url, path },
          hint: 'check the repository path and the architecture directory under it',
        });
      }
      if (code === 'EACCES' || code === 'EPERM') {
        throw new LupineError('REPO_UNAUTHORIZED', `no permission to read ${path}`, {
          cause: err,
          details: { url, path },
          hint: 'check the file permissions of the local repository',
        });
      }
      throw new LupineError('IO_ERROR', `cannot read ${path}: ${(err as Error).message}`, {
        cause: err,
        details: { url, path },
      });
    }
  }
}
