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
import { digest, InternalError, isLupineError, type Logger, LupineError } from '../core/index.js';
import { type JournalOp, REMOVAL, TXN_DIR } from './journal.js';
import type { PackageContents, PackageEntry } from './package-contents.js';
import { directoryAcls, type InstallPlan, q1FromHex } from './plan.js';
import { configDecision, digestOnDisk, type ProtectedPaths, removeDecision } from './protected-paths.js';
import { fsLookup } from './root-state.js';
import { normalizeEntryPath, type PathKind, resolveInRoot } from './safe-path.js';

/** A file the transaction writes whole (databases, `etc/apk/arch`, …), at a real path in the root. */
export interface StagedFile {
  readonly path: string;
  readonly data: Uint8Array;
  readonly mode: number;
}

/** A directory the transaction makes sure of (database directory, `--initdb` skeleton). */
export interface StagedDir {
  readonly path: string;
  readonly mode: number;
}

/** A device node or fifo the transaction creates outside any package (`--initdb`'s `dev/null`, …). */
export interface StagedNode {
  readonly path: string;
  readonly type: 'chardev' | 'fifo';
  readonly mode: number;
  readonly devmajor: number;
  readonly devminor: number;
}

export interface StageInput {
  readonly root: string;
  readonly plan: InstallPlan;
  /** Parallel to the plan's incoming packages. */
  readonly packages: readonly PackageContents[];
  readonly dirs: readonly StagedDir[];
  readonly nodes: readonly StagedNode[];
  /** Written after everything else, databases last of all. */
  readonly files: readonly StagedFile[] | ((failures: readonly StageFailure[]) => readonly StagedFile[]);
  /** Package path → `Z:` recorded for it before the change (to spot locally changed config files). */
  readonly recorded: ReadonlyMap<string, string>;
  /** Package directories the installed database recorded before the change (their modes are ours to update). */
  readonly knownDirs?: ReadonlySet<string>;
  /** The root's protected paths (apk's rules); local changes under them are kept. */
  readonly protectedPaths: ProtectedPaths;
  /** apk --clean-protected: a locally changed protected file gets no `.apk-new`. */
  readonly cleanProtected?: boolean;
  /** apk --purge: leaving packages' protected files go even when changed locally. */
  readonly purge?: boolean;
  /**
   * As apk: an entry a file or directory is in the way of is left out and reported in the failures
   * (see `files`); by default the whole change is refused with INSTALL_FILE_CONFLICT.
   */
  readonly skipBlocked?: boolean;
  /**
   * Symlink mtimes: 'header' (the package's, reproducible: image builds) or 'install' (apk-tools
   * sets no time on symlinks, so they keep the time they were made).
   */
  readonly linkTimes?: 'header' | 'install';
  readonly logger: Logger;
  /** Called before each placed entry is staged (how many are, of how many); tests stop the process here. */
  readonly progress?: (staged: number, total: number) => void;
}

/**
 * An entry that could not be placed because a file is where its directory must go, or a directory
 * where it must go: as apk does, the rest of the package is installed and the package is marked
 * broken (`f:f`); the error is reported for it.
 */
export interface StageFailure {
  /** Index into the plan's incoming packages. */
  readonly pkg: number;
  readonly path: string;
  readonly message: string;
}

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

/**
 * Extracts everything the plan places into the staging directory `<root>/.lupine-txn` (same file
 * system as the root, so commit is renames only) with owners, modes and mtimes from the packages,
 * and returns the journal that commits it. The root itself is not touched.
 */
export function stageTransaction(input: StageInput): JournalOp[] {
  const { root, plan, packages } = input;
  const txn = join(root, TXN_DIR);
  mkdirSync(join(txn, 'f'), { recursive: true });
  const ops: JournalOp[] = [];
  // Which change an op belongs to (index into packages; REMOVAL for removals), so that scripts can run
  // around that package's own steps during commit.
  let tag: number | undefined;
  const emit = (op: JournalOp): void => {
    ops.push(tag === undefined ? op : { ...op, pkg: tag });
  };
  const overlay = new Map<string, PathKind>();
  const disk = fsLookup(root);
  const lookup = (real: string): PathKind => overlay.get(real) ?? disk(real);
  const placedReal = new Set<string>();
  // Files the change removes may give way to directories.
  const leavingReal = new Set<string>();
  for (const p of plan.removeFiles) {
    try {
      leavingReal.add(resolveInRoot(p, disk, false, 'installed'));
    } catch {
      // reported when the removals are staged
    }
  }
  const leavingDirsReal = new Set<string>();
  for (const p of plan.removeDirs) {
    try {
      leavingDirsReal.add(resolveInRoot(p, disk, false, 'installed'));
    } catch {
      // reported when the removals are staged
    }
  }
  const stagedByPkgPath = new Map<string, string>();
  let n = 0;

  const ensureDir = (real: string, uid: number, gid: number, mode: number): void => {
    const parts = real.split('/');
    for (let i = 1; i <= parts.length; i++) {
      const prefix = parts.slice(0, i).join('/');
      if (prefix === '') continue;
      const k = lookup(prefix);
      if (k.kind === 'dir') continue;
      if (k.kind === 'symlink') throw new InternalError(`ensureDir: '${prefix}' is a symlink (unresolved path)`);
      if (k.kind === 'other' && !leavingReal.has(prefix)) {
        throw new LupineError('INSTALL_FILE_CONFLICT', `a file is in the way of the directory '${prefix}'`, {
          details: { path: prefix },
          hint: 'the root has a file no leaving package owns where a directory must go',
        });
      }
      const last = i === parts.length;
      emit({ op: 'mkdir', path: prefix, uid: last ? uid : 0, gid: last ? gid : 0, mode: last ? mode : 0o755 });
      overlay.set(prefix, { kind: 'dir' });
    }
  };
  const parentReady = (real: string): void => {
    const d = dirname(real);
    if (d !== '.') ensureDir(d, 0, 0, 0o755);
  };
  // Commit is rename(2) from the staging directory: every target must be on its file system.
  const txnDev = statSync(txn).dev;
  const devChecked = new Set<string>();
  const sameFileSystem = (real: string): void => {
    let d = dirname(real);
    while (d !== '.' && disk(d).kind !== 'dir') d = dirname(d);
    if (devChecked.has(d)) return;
    if (statSync(join(root, d)).dev !== txnDev) {
      throw new LupineError(
        'IO_ERROR',
        `${d} is on another file system than the root; lupine cannot commit there atomically`,
        {
          details: { path: d },
          hint: 'install into a root that is one file system (mount the others after installing)',
        },
      );
    }
    devChecked.add(d);
  };
  const newStaged = (): { rel: string; abs: string } => {
    const rel = `f/${n++}`;
    return { rel, abs: join(txn, rel) };
  };

  for (const d of input.dirs) ensureDir(resolveInRoot(d.path, lookup, true, 'root'), 0, 0, d.mode);
  // Package directory → real directory, for the permission update after the files are in.
  const touchedDirs = new Map<string, string>();

  const failures: StageFailure[] = [];
  const placeEntry = (
    placed: (typeof plan.place)[number],
    pkg: PackageContents,
    e: PackageEntry,
    who: string,
  ): void => {
    if (e.type === 'dir') {
      const real = notStaging(resolveInRoot(placed.path, lookup, true, who), placed.path, who);
      ensureDir(real, e.uid, e.gid, e.mode & 0o7777);
      placedReal.add(real);
      touchedDirs.set(placed.path, real);
      return;
    }
    const real = notStaging(resolveInRoot(placed.path, lookup, false, who), placed.path, who);
    if (
      lookup(real).kind === 'dir' &&
      (overlay.has(real) ||
        readdirSync(join(root, real)).length > 0 ||
        // apk: rename(2) of the new file onto any directory fails, an empty one too, unless it goes now.
        (input.skipBlocked && !leavingDirsReal.has(real)))
    ) {
      if (!input.skipBlocked) {
        throw new LupineError(
          'INSTALL_FILE_CONFLICT',
          `${who}: a directory is in the way of ${e.type} '${placed.path}'`,
          {
            details: { path: placed.path, package: pkg.info.name },
            hint: 'the root has a non-empty directory where the package puts a file or link',
          },
        );
      }
      failures.push({
        pkg: placed.pkg,
        path: placed.path,
        // apk extracts beside it, then rename(2) onto the directory fails in apk_db_migrate_files.
        message: `${who}: failed to commit ${placed.path}: Is a directory`,
      });
      return;
    }
    parentReady(real);
    sameFileSystem(real);
    const slash = placed.path.lastIndexOf('/');
    if (slash > 0) touchedDirs.set(placed.path.slice(0, slash), dirname(real));
    const s = newStaged();
    switch (e.type) {
      case 'file': {
        // Content streamed out already (in the staging directory): linked into place, never copied.
        const spooled = pkg.contentFile?.(placed.entry);
        if (spooled !== undefined) linkSync(spooled, s.abs);
        const fd =
          spooled === undefined
            ? openSync(s.abs, 'wx', 0o600)
            : openSync(s.abs, constants.O_RDONLY | constants.O_NOFOLLOW);
        try {
          if (spooled === undefined) {
            const data = pkg.content(placed.entry);
            let off = 0;
            while (off < data.length) off += writeSync(fd, data, off, data.length - off);
          }
          ignoreEperm(() => fchownSync(fd, e.uid, e.gid));
          fchmodSync(fd, e.mode & 0o7777);
          futimesSync(fd, e.mtime, e.mtime);
        } finally {
          closeSync(fd);
        }
        overlay.set(real, { kind: 'other' });
        break;
      }
      case 'symlink':
        symlinkSync(e.linkTarget, s.abs);
        ignoreEperm(() => lchownSync(s.abs, e.uid, e.gid));
        if (input.linkTimes !== 'install') lutimesSync(s.abs, e.mtime, e.mtime);
        overlay.set(real, { kind: 'symlink', target: e.linkTarget });
        break;
      case 'hardlink': {
        const target = stagedByPkgPath.get(`${placed.pkg}:${normalizeEntryPath(e.linkTarget, who)}`);
        if (!target) {
          throw new LupineError(
            'APK_MALFORMED',
            `${who}: hardlink '${e.path}' points to '${e.linkTarget}', not an earlier file of the package`,
            {
              details: { path: e.path, target: e.linkTarget },
            },
          );
        }
        linkSync(join(txn, target), s.abs);
        overlay.set(real, { kind: 'other' });
        break;
      }
      default:
        mknod(s.abs, e);
        ignoreEperm(() => lchownSync(s.abs, e.uid, e.gid));
        chmodSync(s.abs, e.mode & 0o7777);
        overlay.set(real, { kind: 'other' });
    }
    stagedByPkgPath.set(`${placed.pkg}:${placed.path}`, s.rel);
    placedReal.add(real);
    const where = configTarget(input, real, placed.path, e);
    if (where === 'keep') input.logger.info(`${placed.path}: keeping the local copy, identical to the new one`);
    else {
      // apk writes the .apk-new beside the local edit without a word.
      if (where !== real) input.logger.debug(`${placed.path}: changed locally; the new version is ${where}`);
      emit({ op: 'rename', from: s.rel, to: where });
    }
  };

  let done = 0;
  for (const placed of plan.place) {
    input.progress?.(done++, plan.place.length);
    tag = placed.pkg;
    const pkg = packages[placed.pkg] as PackageContents;
    const e = pkg.files[placed.entry] as PackageEntry;
    const who = `${pkg.info.name}-${pkg.info.version}`;
    try {
      placeEntry(placed, pkg, e, who);
    } catch (err) {
      const at = input.skipBlocked ? blockedAt(err) : undefined;
      if (at === undefined) throw err;
      // apk ignores a directory it cannot make; the entries under it fail one by one.
      if (e.type === 'dir') continue;
      failures.push({
        pkg: placed.pkg,
        path: placed.path,
        // apk's fsys_file_extract: openat(2) under the file fails; it names neither package.
        message: `Failed to create ${placed.path}: Not a directory`,
      });
    }
  }

  tag = undefined;
  const acls = directoryAcls(plan.installed);
  for (const [path, real] of touchedDirs) {
    const acl = acls.get(path);
    // A directory that was already there and no package owned keeps its owner and mode, as apk does
    // (a user's 0700 var/log, initdb's 0555 proc); new ones got theirs when made.
    if (input.knownDirs && !input.knownDirs.has(path) && disk(real).kind === 'dir') continue;
    if (acl) emit({ op: 'perms', path: real, ...acl });
  }
  tag = REMOVAL;
  for (const p of plan.removeFiles) {
    let real: string;
    try {
      real = resolveInRoot(p, disk, false, 'installed');
    } catch (err) {
      input.logger.warn(`not removing ${p}: ${(err as Error).message}`);
      continue;
    }
    if (placedReal.has(real)) continue;
    const prot = input.protectedPaths.protects(p);
    if (
      !removeDecision(prot, input.purge ?? false, prot ? digestOnDisk(root, real) : undefined, input.recorded.get(p))
    ) {
      // apk keeps a protected file (etc/…) the user edited when its package goes, without a word.
      input.logger.debug(`${p}: changed locally; kept`);
      continue;
    }
    emit({ op: 'unlink', path: real });
  }
  for (const p of plan.removeDirs) {
    let real: string;
    try {
      real = resolveInRoot(p, disk, false, 'installed');
    } catch {
      continue;
    }
    if (!placedReal.has(real) && disk(real).kind === 'dir') emit({ op: 'rmdir', path: real });
  }

  tag = undefined;
  for (const n of input.nodes) {
    const node = { ...n, path: resolveInRoot(n.path, lookup, false, 'root') };
    if (lookup(node.path).kind !== 'missing') continue;
    parentReady(node.path);
    const s = newStaged();
    try {
      mknod(s.abs, { type: node.type, devmajor: node.devmajor, devminor: node.devminor });
      chmodSync(s.abs, node.mode);
      ops.push({ op: 'rename', from: s.rel, to: node.path });
    } catch (err) {
      input.logger.warn(`not creating ${node.path}: ${(err as Error).message}`);
    }
  }
  const files = typeof input.files === 'function' ? input.files(failures) : input.files;
  for (const staged of files) {
    const f = { ...staged, path: resolveInRoot(staged.path, lookup, false, 'root') };
    parentReady(f.path);
    sameFileSystem(f.path);
    const s = newStaged();
    const fd = openSync(s.abs, 'wx', 0o600);
    try {
      let off = 0;
      while (off < f.data.length) off += writeSync(fd, f.data, off, f.data.length - off);
      fchmodSync(fd, f.mode);
    } finally {
      closeSync(fd);
    }
    ops.push({ op: 'rename', from: s.rel, to: f.path });
  }
  return ops;
}
