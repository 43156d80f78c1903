// The phases of staging one install transaction (see stageTransaction in stage.ts).
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  closeSync,
  constants,
  fchmodSync,
  fchownSync,
  futimesSync,
  lchownSync,
  linkSync,
  lutimesSync,
  mkdirSync,
  openSync,
  readdirSync,
  statSync,
  symlinkSync,
  writeSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { digest, InternalError, isLupineError, LupineError } from '../core/index.js';
import { type JournalOp, REMOVAL, TXN_DIR } from './journal.js';
import type { PackageContents, PackageEntry } from './package-contents.js';
import { directoryAcls, type InstallPlan, q1FromHex } from './plan.js';
import { configDecision, digestOnDisk, removeDecision } from './protected-paths.js';
import { fsLookup } from './root-state.js';
import { normalizeEntryPath, type PathKind, resolveInRoot } from './safe-path.js';
import type { StageFailure, StageInput } from './stage.js';

function ignoreEperm(fn: () => void): void {
  try {
    fn();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') throw err;
  }
}

function mknod(path: string, node: Pick<PackageEntry, 'type' | 'devmajor' | 'devminor'>): void {
  const args =
    node.type === 'fifo'
      ? [path, 'p']
      : [path, node.type === 'blockdev' ? 'b' : 'c', String(node.devmajor), String(node.devminor)];
  const r = spawnSync('mknod', args, { encoding: 'utf8' });
  if (r.status !== 0) {
    throw new LupineError(
      'IO_ERROR',
      `could not create ${node.type} ${path}: ${(r.stderr || r.error?.message || '').trim()}`,
      {
        details: { path },
      },
    );
  }
}

/** The path of the file in the way, when `err` says a file is where a directory must go. */
function blockedAt(err: unknown): string | undefined {
  if (isLupineError(err, 'INSTALL_FILE_CONFLICT')) return String(err.details.path);
  if (isLupineError(err, 'INSTALL_UNSAFE_PATH') && err.details.why === 'not a directory') return String(err.details.at);
  return undefined;
}

/** Refuses a path that resolves into the staging directory itself. */
function notStaging(real: string, path: string, who: string): string {
  if (real === TXN_DIR || real.startsWith(`${TXN_DIR}/`)) {
    throw new LupineError(
      'INSTALL_UNSAFE_PATH',
      `${who}: refusing '${path}': it leads into lupine's staging directory`,
      {
        details: { path, package: who },
        hint: 'the package is damaged or hostile; do not install it',
      },
    );
  }
  return real;
}

/** The real path a file goes to, `<path>.apk-new` for a locally changed protected file, or 'keep'. */
function configTarget(input: StageInput, real: string, path: string, e: PackageEntry): string | 'keep' {
  if (e.type !== 'file' && e.type !== 'symlink' && e.type !== 'hardlink') return real;
  if (!input.protectedPaths.protects(path)) return real;
  const incoming = e.type === 'symlink' ? e.linkTarget : undefined;
  const newDigest =
    incoming !== undefined ? `Q1${digest('sha1', Buffer.from(incoming)).toString('base64')}` : q1FromHex(e.sha1);
  const d = configDecision(
    digestOnDisk(input.root, real),
    input.recorded.get(path),
    newDigest,
    input.cleanProtected ?? false,
  );
  return d === 'replace' ? real : d === 'keep' ? 'keep' : `${real}.apk-new`;
}

/** Writes all of `data` to `fd`. */
function writeAll(fd: number, data: Uint8Array): void {
  let off = 0;
  while (off < data.length) off += writeSync(fd, data, off, data.length - off);
}

/** Where a placed entry comes from: the plan's row, its package, its entry and the package's name for messages. */
interface Placing {
  readonly placed: InstallPlan['place'][number];
  readonly pkg: PackageContents;
  readonly e: PackageEntry;
  readonly who: string;
}

/**
 * One transaction being staged: what is in the root and in the staging directory so far (the overlay
 * over the disk), the journal ops emitted and the failures met. `stageTransaction` runs its phases in
 * order; each phase adds to the journal.
 */
export class Staging {
  readonly #input: StageInput;
  readonly #txn: string;
  readonly #ops: JournalOp[] = [];
  /**
   * Which change an op belongs to (index into packages; REMOVAL for removals), so that scripts can run
   * around that package's own steps during commit.
   */
  #tag: number | undefined;
  readonly #overlay = new Map<string, PathKind>();
  readonly #disk: (real: string) => PathKind;
  readonly #placedReal = new Set<string>();
  /** Files the change removes may give way to directories. */
  readonly #leavingReal: Set<string>;
  readonly #leavingDirsReal: Set<string>;
  readonly #stagedByPkgPath = new Map<string, string>();
  /** Package directory → real directory, for the permission update after the files are in. */
  readonly #touchedDirs = new Map<string, string>();
  readonly #failures: StageFailure[] = [];
  #n = 0;
  // Commit is rename(2) from the staging directory: every target must be on its file system.
  readonly #txnDev: number;
  readonly #devChecked = new Set<string>();

  constructor(input: StageInput) {
    this.#input = input;
    this.#txn = join(input.root, TXN_DIR);
    mkdirSync(join(this.#txn, 'f'), { recursive: true });
    this.#disk = fsLookup(input.root);
    this.#leavingReal = this.#resolveInstalled(input.plan.removeFiles);
    this.#leavingDirsReal = this.#resolveInstalled(input.plan.removeDirs);
    this.#txnDev = statSync(this.#txn).dev;
  }

  /** The journal that commits what the phases staged. */
  get ops(): JournalOp[] {
    return this.#ops;
  }

  /** Phase: the directories the caller asks for (database directory, `--initdb` skeleton). */
  makeDirs(): void {
    for (const d of this.#input.dirs) this.#ensureDir(resolveInRoot(d.path, this.#lookup, true, 'root'), 0, 0, d.mode);
  }

  /** Phase: every entry the plan places, staged with its owner, mode and mtime. */
  placeEntries(): void {
    const { plan, packages } = this.#input;
    let done = 0;
    for (const placed of plan.place) {
      this.#input.progress?.(done++, plan.place.length);
      this.#tag = placed.pkg;
      const pkg = packages[placed.pkg] as PackageContents;
      const e = pkg.files[placed.entry] as PackageEntry;
      const p: Placing = { placed, pkg, e, who: `${pkg.info.name}-${pkg.info.version}` };
      try {
        this.#placeEntry(p);
      } catch (err) {
        const at = this.#input.skipBlocked ? blockedAt(err) : undefined;
        if (at === undefined) throw err;
        // apk ignores a directory it cannot make; the entries under it fail one by one.
        if (e.type === 'dir') continue;
        this.#failures.push({
          pkg: placed.pkg,
          path: placed.path,
          // apk's fsys_file_extract: openat(2) under the file fails; it names neither package.
          message: `Failed to create ${placed.path}: Not a directory`,
        });
      }
    }
    this.#tag = undefined;
  }

  /** Phase: owners and modes of the package directories files went into, from the installed packages. */
  updateDirPermissions(): void {
    const acls = directoryAcls(this.#input.plan.installed);
    for (const [path, real] of this.#touchedDirs) {
      const acl = acls.get(path);
      // A directory that was already there and no package owned keeps its owner and mode, as apk does
      // (a user's 0700 var/log, initdb's 0555 proc); new ones got theirs when made.
      if (this.#input.knownDirs && !this.#input.knownDirs.has(path) && this.#disk(real).kind === 'dir') continue;
      if (acl) this.#emit({ op: 'perms', path: real, ...acl });
    }
  }

  /** Phase: the leaving packages' files (locally changed protected ones are kept) and directories. */
  removeLeaving(): void {
    const { plan, protectedPaths, purge, recorded, root, logger } = this.#input;
    this.#tag = REMOVAL;
    for (const p of plan.removeFiles) {
      let real: string;
      try {
        real = resolveInRoot(p, this.#disk, false, 'installed');
      } catch (err) {
        logger.warn(`not removing ${p}: ${(err as Error).message}`);
        continue;
      }
      if (this.#placedReal.has(real)) continue;
      const prot = protectedPaths.protects(p);
      if (!removeDecision(prot, purge ?? false, prot ? digestOnDisk(root, real) : undefined, recorded.get(p))) {
        // apk keeps a protected file (etc/…) the user edited when its package goes, without a word.
        logger.debug(`${p}: changed locally; kept`);
        continue;
      }
      this.#emit({ op: 'unlink', path: real });
    }
    for (const p of plan.removeDirs) {
      let real: string;
      try {
        real = resolveInRoot(p, this.#disk, false, 'installed');
      } catch {
        continue;
      }
      if (!this.#placedReal.has(real) && this.#disk(real).kind === 'dir') this.#emit({ op: 'rmdir', path: real });
    }
    this.#tag = undefined;
  }

  /** Phase: device nodes and fifos outside any package, where nothing is yet. */
  makeNodes(): void {
    for (const n of this.#input.nodes) {
      const path = resolveInRoot(n.path, this.#lookup, false, 'root');
      if (this.#lookup(path).kind !== 'missing') continue;
      this.#parentReady(path);
      const s = this.#newStaged();
      try {
        mknod(s.abs, { type: n.type, devmajor: n.devmajor, devminor: n.devminor });
        chmodSync(s.abs, n.mode);
        this.#ops.push({ op: 'rename', from: s.rel, to: path });
      } catch (err) {
        this.#input.logger.warn(`not creating ${path}: ${(err as Error).message}`);
      }
    }
  }

  /** Phase: whole files (databases last), which may depend on the failures met placing entries. */
  writeFiles(): void {
    const files = typeof this.#input.files === 'function' ? this.#input.files(this.#failures) : this.#input.files;
    for (const staged of files) {
      const path = resolveInRoot(staged.path, this.#lookup, false, 'root');
      this.#parentReady(path);
      this.#sameFileSystem(path);
      const s = this.#newStaged();
      const fd = openSync(s.abs, 'wx', 0o600);
      try {
        writeAll(fd, staged.data);
        fchmodSync(fd, staged.mode);
      } finally {
        closeSync(fd);
      }
      this.#ops.push({ op: 'rename', from: s.rel, to: path });
    }
  }

  readonly #lookup = (real: string): PathKind => this.#overlay.get(real) ?? this.#disk(real);

  #emit(op: JournalOp): void {
    this.#ops.push(this.#tag === undefined ? op : { ...op, pkg: this.#tag });
  }

  /** The real paths of installed package paths (one that does not resolve is reported when removals are staged). */
  #resolveInstalled(paths: readonly string[]): Set<string> {
    const out = new Set<string>();
    for (const p of paths) {
      try {
        out.add(resolveInRoot(p, this.#disk, false, 'installed'));
      } catch {
        // reported when the removals are staged
      }
    }
    return out;
  }

  #ensureDir(real: string, uid: number, gid: number, mode: number): void {
    const parts = real.split('/');
    for (let i = 1; i <= parts.length; i++) {
      const prefix = parts.slice(0, i).join('/');
      if (prefix === '') continue;
      const k = this.#lookup(prefix);
      if (k.kind === 'dir') continue;
      if (k.kind === 'symlink') throw new InternalError(`ensureDir: '${prefix}' is a symlink (unresolved path)`);
      if (k.kind === 'other' && !this.#leavingReal.has(prefix)) {
        throw new LupineError('INSTALL_FILE_CONFLICT', `a file is in the way of the directory '${prefix}'`, {
          details: { path: prefix },
          hint: 'the root has a file no leaving package owns where a directory must go',
        });
      }
      const last = i === parts.length;
      this.#emit({ op: 'mkdir', path: prefix, uid: last ? uid : 0, gid: last ? gid : 0, mode: last ? mode : 0o755 });
      this.#overlay.set(prefix, { kind: 'dir' });
    }
  }

  #parentReady(real: string): void {
    const d = dirname(real);
    if (d !== '.') this.#ensureDir(d, 0, 0, 0o755);
  }

  #sameFileSystem(real: string): void {
    let d = dirname(real);
    while (d !== '.' && this.#disk(d).kind !== 'dir') d = dirname(d);
    if (this.#devChecked.has(d)) return;
    if (statSync(join(this.#input.root, d)).dev !== this.#txnDev) {
      throw new LupineError(
        'IO_ERROR',
        `${d} is on another file system than the root; lupine cannot commit there atomically`,
        {
          details: { path: d },
          hint: 'install into a root that is one file system (mount the others after installing)',
        },
      );
    }
    this.#devChecked.add(d);
  }

  #newStaged(): { rel: string; abs: string } {
    const rel = `f/${this.#n++}`;
    return { rel, abs: join(this.#txn, rel) };
  }

  /** One entry: a directory is made at once; anything else is staged, then renamed into place on commit. */
  #placeEntry(p: Placing): void {
    const { placed, e, who } = p;
    if (e.type === 'dir') {
      const real = notStaging(resolveInRoot(placed.path, this.#lookup, true, who), placed.path, who);
      this.#ensureDir(real, e.uid, e.gid, e.mode & 0o7777);
      this.#placedReal.add(real);
      this.#touchedDirs.set(placed.path, real);
      return;
    }
    const real = notStaging(resolveInRoot(placed.path, this.#lookup, false, who), placed.path, who);
    if (this.#directoryInTheWay(p, real)) return;
    this.#parentReady(real);
    this.#sameFileSystem(real);
    const slash = placed.path.lastIndexOf('/');
    if (slash > 0) this.#touchedDirs.set(placed.path.slice(0, slash), dirname(real));
    const s = this.#newStaged();
    this.#overlay.set(real, this.#writeStaged(p, s.abs));
    this.#stagedByPkgPath.set(`${placed.pkg}:${placed.path}`, s.rel);
    this.#placedReal.add(real);
    const where = configTarget(this.#input, real, placed.path, e);
    if (where === 'keep') this.#input.logger.info(`${placed.path}: keeping the local copy, identical to the new one`);
    else {
      // apk writes the .apk-new beside the local edit without a word.
      if (where !== real) this.#input.logger.debug(`${placed.path}: changed locally; the new version is ${where}`);
      this.#emit({ op: 'rename', from: s.rel, to: where });
    }
  }

  /**
   * Whether a directory stands where a file or link goes: refused (INSTALL_FILE_CONFLICT), or with
   * skipBlocked recorded as a failure and left out (true).
   */
  #directoryInTheWay(p: Placing, real: string): boolean {
    const { placed, pkg, e, who } = p;
    const { root, skipBlocked } = this.#input;
    const blocked =
      this.#lookup(real).kind === 'dir' &&
      (this.#overlay.has(real) ||
        readdirSync(join(root, real)).length > 0 ||
        // apk: rename(2) of the new file onto any directory fails, an empty one too, unless it goes now.
        (skipBlocked && !this.#leavingDirsReal.has(real)));
    if (!blocked) return false;
    if (!skipBlocked) {
      throw new LupineError(
        'INSTALL_FILE_CONFLICT',
        `${who}: a directory is in the way of ${e.type} '${placed.path}'`,
        {
          details: { path: placed.path, package: pkg.info.name },
          hint: 'the root has a non-empty directory where the package puts a file or link',
        },
      );
    }
    this.#failures.push({
      pkg: placed.pkg,
      path: placed.path,
      // apk extracts beside it, then rename(2) onto the directory fails in apk_db_migrate_files.
      message: `${who}: failed to commit ${placed.path}: Is a directory`,
    });
    return true;
  }

  /** Writes a file, link or node entry at `abs` in the staging directory; returns what it is in the overlay. */
  #writeStaged(p: Placing, abs: string): PathKind {
    const { placed, pkg, e, who } = p;
    switch (e.type) {
      case 'file': {
        writeStagedFile(pkg, placed.entry, e, abs);
        return { kind: 'other' };
      }
      case 'symlink':
        symlinkSync(e.linkTarget, abs);
        ignoreEperm(() => lchownSync(abs, e.uid, e.gid));
        if (this.#input.linkTimes !== 'install') lutimesSync(abs, e.mtime, e.mtime);
        return { kind: 'symlink', target: e.linkTarget };
      case 'hardlink': {
        const target = this.#stagedByPkgPath.get(`${placed.pkg}:${normalizeEntryPath(e.linkTarget, who)}`);
        if (!target) {
          throw new LupineError(
            'APK_MALFORMED',
            `${who}: hardlink '${e.path}' points to '${e.linkTarget}', not an earlier file of the package`,
            {
              details: { path: e.path, target: e.linkTarget },
            },
          );
        }
        linkSync(join(this.#txn, target), abs);
        return { kind: 'other' };
      }
      default:
        mknod(abs, e);
        ignoreEperm(() => lchownSync(abs, e.uid, e.gid));
        chmodSync(abs, e.mode & 0o7777);
        return { kind: 'other' };
    }
  }
}

/** A regular file entry at `abs`: content streamed out already is linked into place, never copied. */
function writeStagedFile(pkg: PackageContents, entry: number, e: PackageEntry, abs: string): void {
  const spooled = pkg.contentFile?.(entry);
  if (spooled !== undefined) linkSync(spooled, abs);
  const fd =
    spooled === undefined ? openSync(abs, 'wx', 0o600) : openSync(abs, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    if (spooled === undefined) writeAll(fd, pkg.content(entry));
    ignoreEperm(() => fchownSync(fd, e.uid, e.gid));
    fchmodSync(fd, e.mode & 0o7777);
    futimesSync(fd, e.mtime, e.mtime);
  } finally {
    closeSync(fd);
  }
}
