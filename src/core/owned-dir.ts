/**
 * Temporary directories that say who made them, so that the ones a killed process left behind can
 * be swept by the next run. `makeOwnedDir` creates `<parent>/<prefix>XXXXXX` with a `.lupine-owner`
 * file inside naming the creating process (boot id, pid namespace, pid, start time, all read from
 * /proc, so a reused pid or a reboot is not mistaken for the owner). `sweepStaleDirs` removes the
 * `<prefix>*` directories whose owner is gone; one made in another pid namespace (a container
 * sharing the cache) cannot be judged and is kept; a directory without an owner file is left alone
 * unless it is older than `unownedAfterMs` (a directory being created right now has none yet).
 * Linux only: where /proc cannot be read, no owner is written and nothing is judged stale (I/O edge).
 */
import { constants } from 'node:fs';
import {
  lstat,
  mkdir,
  mkdtemp,
  open,
  readdir,
  readFile,
  readlink,
  rm,
  rmdir,
  unlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { LupineError } from './errors.js';

export const OWNER_FILE = '.lupine-owner';

interface Owner {
  readonly boot: string;
  /** The pid namespace (`pid:[4026531836]`): pids are only comparable within one. */
  readonly pidns: string;
  readonly pid: number;
  /** Field 22 of /proc/<pid>/stat: clock ticks after boot. */
  readonly start: string;
}

async function bootId(): Promise<string | undefined> {
  return (await readFile('/proc/sys/kernel/random/boot_id', 'utf8').catch(() => undefined))?.trim();
}

/** The start time of a process, or undefined when it does not exist. */
async function startTime(pid: number | 'self'): Promise<string | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (stat === undefined) return undefined;
  // The command name (field 2) is in parentheses and may hold spaces: count fields after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return fields[19];
}

const pidNamespace = () => readlink('/proc/self/ns/pid').catch(() => undefined);

async function self(): Promise<Owner | undefined> {
  const [boot, pidns, link, start] = await Promise.all([
    bootId(),
    pidNamespace(),
    readlink('/proc/self').catch(() => undefined),
    startTime('self'),
  ]);
  const pid = Number(link);
  if (boot === undefined || pidns === undefined || start === undefined || !Number.isInteger(pid) || pid <= 0) {
    return undefined;
  }
  return { boot, pidns, pid, start };
}

/** The effective uid of this process (from /proc; the real uid where /proc cannot be read). */
export async function effectiveUid(): Promise<number> {
  const status = await readFile('/proc/self/status', 'utf8').catch(() => '');
  const m = /^Uid:\s+\d+\s+(\d+)/m.exec(status);
  return m === null ? userInfo().uid : Number(m[1]);
}

/**
 * `<base>/lupine-<euid>` (base: the system temp dir), the parent of lupine's temporary directories:
 * created 0700 when missing, and refused unless it is a real directory (never a link) owned by us
 * with mode 0700, so that no other user can plant, swap or remove anything in it.
 */
export async function userTempDir(base: string = tmpdir()): Promise<string> {
  const uid = await effectiveUid();
  const dir = join(base, `lupine-${uid}`);
  await mkdir(dir, { mode: 0o700 }).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'EEXIST') {
      throw new LupineError('IO_ERROR', `cannot create the temporary directory ${dir}: ${err.message}`, { cause: err });
    }
  });
  const st = await lstat(dir);
  const problem = st.isSymbolicLink()
    ? 'is a symbolic link'
    : !st.isDirectory()
      ? 'is not a directory'
      : st.uid !== uid
        ? `is owned by uid ${st.uid}, not by us (uid ${uid})`
        : (st.mode & 0o7777) !== 0o700
          ? `has mode ${(st.mode & 0o7777).toString(8).padStart(4, '0')}, not 0700`
          : undefined;
  if (problem !== undefined) {
    throw new LupineError('IO_ERROR', `refusing the temporary directory ${dir}: it ${problem}`, {
      details: { path: dir },
      hint: `another user may have planted it: remove ${dir} (after checking it), or set TMPDIR to a directory only you can write`,
    });
  }
  return dir;
}

/** Creates `<parent>/<prefix>XXXXXX` (the parent too, when missing) with the owner file inside. */
export async function makeOwnedDir(parent: string, prefix: string): Promise<string> {
  await mkdir(parent, { recursive: true });
  const dir = await mkdtemp(join(parent, prefix));
  const owner = await self();
  if (owner !== undefined) {
    await writeFile(join(dir, OWNER_FILE), `${JSON.stringify(owner)}\n`, { flag: 'wx', mode: 0o644 }).catch(
      async (err: unknown) => {
        await rm(dir, { recursive: true, force: true });
        throw err;
      },
    );
  }
  return dir;
}

/**
 * The owner a directory names, read without following links; undefined when absent, garbled or
 * written by another user than `uid`.
 */
async function ownerOf(dir: string, uid: number): Promise<Owner | undefined> {
  let text: string;
  try {
    const fh = await open(join(dir, OWNER_FILE), constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    try {
      const st = await fh.stat();
      // An owner file another user wrote says nothing about our processes.
      if (!st.isFile() || st.uid !== uid) return undefined;
      text = (await fh.read(Buffer.alloc(512), 0, 512, 0)).buffer.toString('utf8').replace(/\0+$/, '');
    } finally {
      await fh.close();
    }
  } catch {
    return undefined;
  }
  try {
    const v = JSON.parse(text) as Partial<Owner>;
    if (
      typeof v.boot === 'string' &&
      typeof v.pidns === 'string' &&
      typeof v.pid === 'number' &&
      typeof v.start === 'string'
    ) {
      return { boot: v.boot, pidns: v.pidns, pid: v.pid, start: v.start };
    }
  } catch {
    // garbled: treated as unowned
  }
  return undefined;
}

export interface SweepOptions {
  /** A directory without a (readable) owner file is swept once older than this. Default one day. */
  readonly unownedAfterMs?: number;
  /** Now, in ms since the epoch (for the age of unowned directories). */
  readonly nowMs?: number;
}

export interface SweepResult {
  readonly removed: readonly string[];
  /** Stale directories that could not be removed, with the reason. */
  readonly failed: ReadonlyArray<{ readonly path: string; readonly error: string }>;
}

/**
 * Whether a recorded owner is certainly gone: another boot, or (in our pid namespace) no process
 * with that pid and start time. An owner in another pid namespace is never judged gone.
 */
async function ownerGone(owner: Owner, here: { boot: string; pidns: string }): Promise<boolean> {
  if (owner.boot !== here.boot) return true;
  if (owner.pidns !== here.pidns) return false;
  return (await startTime(owner.pid)) !== owner.start;
}

/**
 * Removes `path` and everything below it without ever following a link: each entry is lstat'ed,
 * links and files are unlinked, and a directory is descended into only after checking that the
 * name still names the inode its lstat saw (so a directory swapped for a link is not followed).
 */
async function removeNoFollow(path: string): Promise<void> {
  const st = await lstat(path);
  if (!st.isDirectory()) {
    await unlink(path);
    return;
  }
  const names = await readdir(path);
  const again = await lstat(path);
  if (!again.isDirectory() || again.dev !== st.dev || again.ino !== st.ino) {
    throw new LupineError('IO_ERROR', `${path} changed while being removed; left alone`, { details: { path } });
  }
  for (const name of names) await removeNoFollow(join(path, name));
  await rmdir(path);
}

/**
 * Removes the `<prefix>*` directories of `parent` whose owner process is gone. Only directories
 * (never links) owned by our effective uid, with an owner file we wrote, are judged; removal never
 * follows a link. Keep `parent` a directory only we can write (`userTempDir()`): in a shared one
 * another user could still swap names under us.
 */
export async function sweepStaleDirs(parent: string, prefix: string, options: SweepOptions = {}): Promise<SweepResult> {
  const removed: string[] = [];
  const failed: Array<{ path: string; error: string }> = [];
  const [boot, pidns, uid] = await Promise.all([bootId(), pidNamespace(), effectiveUid()]);
  if (boot === undefined || pidns === undefined) return { removed, failed };
  const names = await readdir(parent).catch(() => [] as string[]);
  const unownedAfter = options.unownedAfterMs ?? 24 * 3600_000;
  const now = options.nowMs ?? Date.now();
  for (const name of names.filter((n) => n.startsWith(prefix)).sort()) {
    const path = join(parent, name);
    const st = await lstat(path).catch(() => undefined);
    if (st === undefined || !st.isDirectory() || st.uid !== uid) continue;
    const owner = await ownerOf(path, uid);
    const stale = owner === undefined ? now - st.mtimeMs > unownedAfter : await ownerGone(owner, { boot, pidns });
    if (!stale) continue;
    try {
      await removeNoFollow(path);
      removed.push(path);
    } catch (err) {
      if (
        (err as NodeJS.ErrnoException).code === 'ENOENT' &&
        (await lstat(path).catch(() => undefined)) === undefined
      ) {
        removed.push(path);
        continue;
      }
      failed.push({ path, error: (err as Error).message });
    }
  }
  return { removed, failed };
}

/**
 * This process as a file-name-safe tag (`<boot>-<pidns>-<pid>-<start>`, hex and digits only), for
 * temporaries that are files (no room for an owner file); undefined where /proc cannot be read.
 */
export async function ownerTag(): Promise<string | undefined> {
  const me = await self();
  if (me === undefined) return undefined;
  const ns = /\[(\d+)\]/.exec(me.pidns)?.[1];
  if (ns === undefined) return undefined;
  return `${me.boot.replace(/-/g, '').slice(0, 16)}-${ns}-${me.pid}-${me.start}`;
}

/** Whether the process an `ownerTag()` names is certainly gone (an unreadable tag: never). */
export async function ownerTagGone(tag: string): Promise<boolean> {
  const m = /^([0-9a-f]{16})-(\d+)-(\d+)-(\d+)$/.exec(tag);
  const here = await ownerTag();
  if (m === null || here === undefined) return false;
  const [boot, ns] = here.split('-');
  return ownerGone(
    { boot: m[1] as string, pidns: m[2] as string, pid: Number(m[3]), start: m[4] as string },
    { boot: boot as string, pidns: ns as string },
  );
}

/** Removes a path without following any link in it (a stale temporary). */
export const removeStale = (path: string): Promise<void> => removeNoFollow(path);
