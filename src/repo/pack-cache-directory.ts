/**
 * Where compiled cache files (index packs, compiled advisory databases) are kept, and how they are
 * trusted: each file sealed to its source's digest and its own, read only when it is this user's
 * own regular file (`<cache>/packs/<key>.pack`). Written atomically (temp file, rename); the newest
 * few are kept. Apart from the index reader (packed-index-cache.ts) so that a scan loads none of it.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, constants, fstatSync, openSync } from 'node:fs';
import { mkdir, readdir, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { readFullySync, sha256Hex } from '../core/index.js';

/** Where packs are kept. */
export interface PackStore {
  /** The pack stored under `key`, or undefined. */
  get(key: string): Promise<Uint8Array | undefined>;
  put(key: string, bytes: Uint8Array): Promise<void>;
}

/** How many packs a directory keeps (an index changes with every repository update). */
export const PACKS_KEPT = 8;

let euid: number | undefined | null = null;

/**
 * This process's effective uid (os.userInfo reads the passwd entry of geteuid(); once per process);
 * undefined when it has no passwd entry (then only the mode and the seal are checked).
 */
function effectiveUid(): number | undefined {
  if (euid === null) {
    try {
      euid = userInfo().uid;
    } catch {
      euid = undefined;
    }
  }
  return euid;
}

/** The first line of every pack file: `lupine-pack/1 <key> <sha256 of the rest>\n`. */
const SEAL = 'lupine-pack/1';

/** A pack's bytes with their seal: bound to `key` (the source bytes' digest) and to their own digest. */
export function sealPack(key: string, payload: Uint8Array): Uint8Array {
  return Buffer.concat([Buffer.from(`${SEAL} ${key} ${sha256Hex(payload)}\n`), payload]);
}

/**
 * The payload of a sealed pack file, or undefined when it cannot be trusted as a cache entry: not a
 * regular file, reached through a symlink (opened no-follow), owned by another user, writable by
 * group or others, or whose seal does not name `key` and the digest of its bytes (edited, truncated,
 * another source's pack). Used for every compiled cache file (index packs, advisory databases).
 */
export function readSealedPack(file: string, key: string): Uint8Array | undefined {
  // One local file of a few MB, read in one go: synchronous calls spare the thread-pool round
  // trips of open, fstat, read and close, which cost more than the read itself.
  let fd: number | undefined;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    const st = fstatSync(fd);
    const euid = effectiveUid();
    if (!st.isFile() || (st.mode & 0o022) !== 0 || (euid !== undefined && st.uid !== euid)) return undefined;
    const head = `${SEAL} ${key} `;
    const sealLength = head.length + 64 + 1;
    if (st.size < sealLength) return undefined;
    const buf = Buffer.allocUnsafe(st.size);
    if (readFullySync(fd, buf) !== buf.length) return undefined;
    const payload = buf.subarray(sealLength);
    const seal = buf.subarray(0, sealLength).toString('latin1');
    return seal === `${head}${sha256Hex(payload)}\n` ? payload : undefined;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Packs in `<dir>/packs`, sealed (see readSealedPack): a pack that is not this user's own, unedited
 * file is ignored, and rebuilt from the source (it would stand in for a signed index).
 */
export class PackDirectory implements PackStore {
  readonly dir: string;
  /**
   * The packs this instance (one command run) read or wrote: never evicted by it, so that a run
   * with more sources than PACKS_KEPT does not drop its own packs and compile them all again.
   */
  readonly #used = new Set<string>();

  constructor(cacheDir: string) {
    this.dir = join(cacheDir, 'packs');
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const pack = readSealedPack(join(this.dir, `${key}.pack`), key);
    if (pack) this.#used.add(`${key}.pack`);
    return pack;
  }

  async put(key: string, bytes: Uint8Array): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const tmp = join(this.dir, `.${key}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      await writeFile(tmp, sealPack(key, bytes), { mode: 0o600 });
      await rename(tmp, join(this.dir, `${key}.pack`));
    } catch (err) {
      await unlink(tmp).catch(() => {});
      throw err;
    }
    this.#used.add(`${key}.pack`);
    await this.#prune();
  }

  /**
   * Keeps the newest PACKS_KEPT packs (by modification time), and always every pack this run used
   * (the one just written among them), even when they are more than PACKS_KEPT.
   */
  async #prune(): Promise<void> {
    const names = (await readdir(this.dir)).filter((n) => n.endsWith('.pack'));
    if (names.length <= PACKS_KEPT) return;
    const dated = await Promise.all(
      names.map(async (n) => ({ n, t: (await stat(join(this.dir, n)).catch(() => undefined))?.mtimeMs ?? 0 })),
    );
    const used = (n: string) => (this.#used.has(n) ? 1 : 0);
    dated.sort((a, b) => used(b.n) - used(a.n) || b.t - a.t || (a.n < b.n ? -1 : 1));
    const kept = Math.max(PACKS_KEPT, this.#used.size);
    await Promise.all(dated.slice(kept).map((d) => unlink(join(this.dir, d.n)).catch(() => {})));
  }
}
