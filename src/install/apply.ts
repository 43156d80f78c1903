import { existsSync, mkdirSync, realpathSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Keyring } from '../apk/index.js';
import { type Clock, defaultLimits, type Limits, type Logger, LupineError, silentLogger } from '../core/index.js';
import { commitJournal, type RecoveryOutcome, recoverTransaction } from './commit.js';
import { databaseFiles, triggerPlan } from './db-files.js';
import { formatInstalledDb, type InstalledPackage } from './installed-db.js';
import { type PauseHook, prepareJournal, SPOOL_DIR, TXN_DIR, writeJournal } from './journal.js';
import { type JournalBinding, journalKey } from './journal-seal.js';
import { lockPaths, type RootLock } from './lock.js';
import type { PackageContents } from './package-contents.js';
import { extractVerifiedPackage } from './package-source.js';
import { type FileConflict, type InstallPlan, planInstall } from './plan.js';
import { ProtectedPaths, readProtectedPaths } from './protected-paths.js';
import { initDbSkeleton } from './root-skeleton.js';
import { locateDbDir, type RootState, readRootState } from './root-state.js';
import { writeFileInRoot } from './safe-write.js';
import { runTriggers, type ScriptRun, scriptRunner } from './scripts-run.js';
import { stageTransaction } from './stage.js';
import { syncFileSystem } from './sync.js';
import { formatWorld } from './world.js';

/** One package of the resolver's locked set, with a way to get its bytes. */
export interface LockedPackage {
  readonly name: string;
  readonly version: string;
  /** `C:` from the (signed) index; '' for a local file, which then needs a trusted signature. */
  readonly identity: string;
  readonly arch: string;
  /** Where it comes from (URL or path), for messages. */
  readonly repository: string;
  /** Repository tag (`s:` in the installed database) without '@'; '' for none. */
  readonly tag?: string;
  /** `I:` from the (signed) index: the data may inflate to no more than this allows (LIMIT_EXCEEDED). */
  readonly installedSize?: number;
  fetch(): Promise<Uint8Array>;
}

export interface InstallOptions {
  /** The world to write; default: keep the root's. */
  readonly world?: readonly string[];
  /** Trusted keys, for packages without an identity (local files). */
  readonly keyring?: Keyring;
  readonly allowUntrusted?: boolean;
  /** Overwrite files of other packages without `replaces` (apk --force-overwrite). */
  readonly forceOverwrite?: boolean;
  /**
   * As apk does: a file another package owns is not written, the rest of the package is installed and
   * it is marked `f:f`; the conflicts come back in `refused` (default: INSTALL_FILE_CONFLICT, nothing changes).
   */
  readonly refuseConflictingFiles?: boolean;
  /** Create device nodes packages ship (refused by default). */
  readonly allowDevices?: boolean;
  /** Run scriptlets in a bubblewrap chroot of the root (default: store them only). */
  readonly runScripts?: boolean;
  /** Create apk's skeleton (`apk --initdb`): tmp, proc, dev nodes, var/cache, etc/apk/arch. */
  readonly initDb?: boolean;
  /** Written to `etc/apk/arch` when the root has none. */
  readonly arch?: string;
  /** mtime of new scripts.tar entries (apk: build time). */
  readonly clock?: Clock;
  readonly logger?: Logger;
  readonly limits?: Limits;
  /** Seconds to wait for another writer's lock (default 0: fail at once with INSTALL_LOCKED). */
  readonly lockWait?: number;
  /** Names to fetch and install again even when installed as they are (`apk fix`). */
  readonly reinstall?: readonly string[];
  /**
   * Called at named points: `recovered` (after recovering an interrupted transaction), `verified`
   * (every package streamed into the staging directory), `mid-staging` (synchronously), `staged`, `journal-written`,
   * `carried:<k>` (after the k-th package's steps), `mid-commit`, `applied` (before the done marker),
   * `committed` (after it), and `rolling-back` half-way through undoing an interrupted transaction.
   */
  readonly pause?: PauseHook;
  /**
   * Where lupine keeps its private journal key (default `~/.local/state/lupine`); a journal not sealed
   * with it is refused (INSTALL_JOURNAL_FOREIGN). Never inside a root being changed.
   */
  readonly stateDir?: string;
  /**
   * The caller already holds the root's lock (see `holdRoot`), taken before it read the world and the
   * database it planned from; the installer then does not lock again.
   */
  readonly lockHeld?: boolean;
  /** Symlink mtimes: the package's ('header', default: reproducible roots) or apk's install time ('install'). */
  readonly linkTimes?: 'header' | 'install';
  /** apk --clean-protected: a locally changed protected file gets no `.apk-new`. */
  readonly cleanProtected?: boolean;
  /** apk --purge: leaving packages' protected files are deleted even when changed locally. */
  readonly purge?: boolean;
  /**
   * The caller prints `notes` itself (apk's CLI: each under its package's line); by default they also
   * go to the logger as warnings when the change is done.
   */
  readonly quietNotes?: boolean;
}

/** An error or warning apk prints for one package, at that package's progress line. */
export interface PackageNote {
  /** The package's name; `NAME trigger` for its failing trigger (apk's separate error after the lines). */
  readonly package: string;
  readonly level: 'error' | 'warning';
  /** The message without apk's `ERROR: ` / `WARNING: ` prefix. */
  readonly text: string;
}

export interface InstallResult {
  readonly recovered: RecoveryOutcome;
  readonly installed: string[];
  readonly upgraded: string[];
  readonly removed: string[];
  readonly unchanged: string[];
  /** Files left to their owner by replaces_priority. */
  readonly skipped: FileConflict[];
  readonly overwritten: FileConflict[];
  /** Files not written because another package owns them (with `refuseConflictingFiles`). */
  readonly refused: FileConflict[];
  readonly scripts: ScriptRun[];
  /**
   * apk's per-package errors and warnings, in order: refused files and overwrites, entries a file or
   * directory was in the way of (the package is marked `f:f`), failed scripts (`f:s`). apk counts
   * one error for each package with an error note.
   */
  readonly notes: PackageNote[];
}

async function fetchVerified(p: LockedPackage, opts: InstallOptions, spool: string): Promise<PackageContents> {
  const bytes = await p.fetch();
  const pkg = await extractVerifiedPackage(bytes, spool, {
    keyring: opts.keyring ?? new Map(),
    ...(p.identity ? { expectedIdentity: p.identity } : {}),
    allowUntrusted: opts.allowUntrusted ?? false,
    limits: opts.limits ?? defaultLimits,
    source: `${p.name}-${p.version}`,
    ...(p.identity && p.installedSize ? { declaredSize: p.installedSize } : {}),
  });
  if (pkg.info.name !== p.name || pkg.info.version !== p.version) {
    throw new LupineError(
      'APK_BAD_IDENTITY',
      `${p.repository}: expected ${p.name}-${p.version}, got ${pkg.info.name}-${pkg.info.version}`,
      {
        details: { expected: `${p.name}-${p.version}`, actual: `${pkg.info.name}-${pkg.info.version}` },
      },
    );
  }
  return pkg;
}

/**
 * Makes the root hold exactly `lockedSet` (installing, upgrading and removing as needed), atomically:
 * every package is fetched and verified, then everything is staged inside the root and carried out by
 * renames from a journal, each step moving what it replaces or deletes into a backup area first. Only
 * when every step and database is in place is the done marker written. An error before it undoes the
 * steps at once; after a kill before it, the next run (or `recoverRoot`) undoes them, so the root is
 * exactly as it was. The root is locked throughout.
 */
export async function installPackages(
  rootDir: string,
  lockedSet: readonly LockedPackage[],
  opts: InstallOptions = {},
): Promise<InstallResult> {
  const root = resolve(rootDir);
  if (!existsSync(root) || !statSync(root).isDirectory()) {
    throw new LupineError('IO_ERROR', `the root ${root} is not a directory`, { details: { root } });
  }
  assertDistinctNames(lockedSet);
  const binding = journalBinding(root, opts.stateDir);
  const lock = opts.lockHeld ? { release: async () => {} } : await lockRoot(root, opts.lockWait ?? 0);
  const install = new Installation(root, binding, opts);
  try {
    const recovered = await install.recover();
    const state = readRootState(root);
    const change = await install.fetchChange(state, lockedSet);
    await install.pause('verified');
    const plan = install.planChange(state, change);
    const notes = conflictNotes(state, change.incoming, plan);
    const result = resultOf(recovered, lockedSet, change, plan, notes);
    install.logSteps(change);
    const world = opts.world ?? state.world;
    const worldChanged = formatWorld(world) !== formatWorld(state.world);
    const dbExists = existsSync(join(root, state.dbDir, 'installed'));
    if (change.incoming.length === 0 && change.remove.length === 0 && !worldChanged && dbExists && !opts.initDb) {
      return result;
    }
    const staged = await install.stageAndJournal(state, change, plan, world, notes);
    const scripts = await install.prepareScripts(state, change);
    await commitJournal(root, staged.ops, install.pause, scripts?.hook);
    if (scripts) await install.runScripts(scripts, state, change, plan, staged.triggers, result);
    if (!opts.quietNotes) for (const n of notes) install.logger.warn(n.text);
    return result;
  } finally {
    install.dropSpool();
    await lock.release();
  }
}

/** A locked set names each package once (USAGE otherwise). */
function assertDistinctNames(lockedSet: readonly LockedPackage[]): void {
  const names = new Set<string>();
  for (const p of lockedSet) {
    if (names.has(p.name)) {
      throw new LupineError('USAGE', `the locked set lists ${p.name} twice`, { details: { name: p.name } });
    }
    names.add(p.name);
  }
}

/** What a locked set changes in a root: the packages fetched to install or upgrade, the names to remove. */
interface Change {
  /** The root's installed packages by name, before the change. */
  readonly current: ReadonlyMap<string, InstalledPackage>;
  readonly incoming: PackageContents[];
  /** Each incoming package's repository tag. */
  readonly tags: ReadonlyMap<string, string>;
  readonly remove: string[];
}

type ScriptRunner = ReturnType<typeof scriptRunner>;
type TriggerEntries = ReturnType<typeof databaseFiles>['triggers'];

/**
 * One run of `installPackages` on a locked root, as named phases: recover, fetch the change, plan
 * it, stage it and write the journal, prepare scripts, (commit,) run scripts and triggers. It owns
 * the staging directory until the journal is written.
 */
class Installation {
  readonly logger: Logger;
  readonly pause: PauseHook;
  readonly #txn: string;
  /** The staging directory holds streamed contents until the journal is written; then it is the journal's. */
  #spooling = false;

  constructor(
    readonly root: string,
    readonly binding: JournalBinding,
    readonly opts: InstallOptions,
  ) {
    this.logger = opts.logger ?? silentLogger;
    this.pause = opts.pause ?? (() => undefined);
    this.#txn = join(root, TXN_DIR);
  }

  /** Undoes (or finishes cleaning up after) a transaction an earlier run left. */
  async recover(): Promise<RecoveryOutcome> {
    const recovered = await recoverTransaction(this.root, this.binding, this.opts.pause);
    await this.pause('recovered');
    if (recovered === 'rolled-back') this.logger.warn(`rolled back an interrupted transaction in ${this.root}`);
    if (recovered === 'completed') this.logger.debug(`cleaned up after a committed transaction in ${this.root}`);
    return recovered;
  }

  /**
   * Fetches and verifies, into the staging directory, every package of the set that is not installed
   * as it is (or is to be reinstalled); the root's packages the set leaves out are to be removed.
   */
  async fetchChange(state: RootState, lockedSet: readonly LockedPackage[]): Promise<Change> {
    const current = new Map(state.installed.map((r) => [r.info.name, r]));
    const reinstall = new Set(this.opts.reinstall ?? []);
    const todo = lockedSet.filter((p) => {
      const cur = current.get(p.name);
      return !cur || p.identity === '' || cur.info.identity !== p.identity || reinstall.has(p.name);
    });
    const tags = new Map<string, string>();
    const incoming: PackageContents[] = [];
    if (todo.length > 0) {
      // Contents are streamed into the staging directory (ours: made fresh, never through a link).
      mkdirSync(this.#txn, { mode: 0o700 });
      this.#spooling = true;
      mkdirSync(join(this.#txn, SPOOL_DIR), { mode: 0o700 });
    }
    for (const [k, p] of todo.entries()) {
      const spool = join(this.#txn, SPOOL_DIR, String(k));
      const pkg = await fetchVerified(p, this.opts, spool);
      if (current.get(pkg.info.name)?.info.identity === pkg.identity && !reinstall.has(pkg.info.name)) {
        rmSync(spool, { recursive: true, force: true });
        continue;
      }
      incoming.push(pkg);
      tags.set(pkg.info.name, p.tag ?? '');
    }
    const wanted = new Set(lockedSet.map((p) => p.name));
    const remove = state.installed.map((r) => r.info.name).filter((n) => !wanted.has(n));
    return { current, incoming, tags, remove };
  }

  /** Which file goes where, who owns it after, what each package's record will say. */
  planChange(state: RootState, change: Change): InstallPlan {
    const plan = planInstall({
      installed: state.installed,
      incoming: change.incoming.map((p) => ({
        info: p.info,
        files: p.files,
        repoTag: change.tags.get(p.info.name) ?? '',
      })),
      remove: change.remove,
      forceOverwrite: this.opts.forceOverwrite ?? false,
      refuseConflictingFiles: this.opts.refuseConflictingFiles ?? false,
      allowDevices: this.opts.allowDevices ?? false,
    });
    for (const s of plan.skipped) this.logger.debug(`${s.package}: not overwriting ${s.path} owned by ${s.owner}`);
    return plan;
  }

  /** apk's progress lines: `(i/n) Installing`, `Upgrading`, then `Purging`. */
  logSteps({ current, incoming, remove }: Change): void {
    const total = incoming.length + remove.length;
    incoming.forEach((p, i) => {
      const old = current.get(p.info.name);
      this.logger.info(
        old
          ? `(${i + 1}/${total}) Upgrading ${p.info.name} (${old.info.version} -> ${p.info.version})`
          : `(${i + 1}/${total}) Installing ${p.info.name} (${p.info.version})`,
      );
    });
    remove.forEach((n, i) => {
      this.logger.info(`(${incoming.length + i + 1}/${total}) Purging ${n} (${current.get(n)?.info.version ?? ''})`);
    });
  }

  /**
   * Stages the plan (and apk's skeleton) inside the root, then the databases, and writes the journal
   * that commits it; an entry that could not be placed becomes an error note and its package is
   * marked f:f. On failure the staging directory is thrown away and the root is untouched.
   */
  async stageAndJournal(
    state: RootState,
    change: Change,
    plan: InstallPlan,
    world: readonly string[],
    notes: PackageNote[],
  ): Promise<{ ops: ReturnType<typeof prepareJournal>; triggers: TriggerEntries }> {
    const { root, opts, logger } = this;
    const { incoming } = change;
    const skeleton = initDbSkeleton(root, state.dbDir, opts);
    const mtime = opts.clock ? opts.clock.now() : Math.floor(Date.now() / 1000);
    let dbFiles: ReturnType<typeof databaseFiles> | undefined;
    try {
      const staged = stageTransaction({
        root,
        plan,
        packages: incoming,
        dirs: skeleton.dirs,
        nodes: skeleton.nodes,
        // The databases are written after the packages' entries are staged: an entry that could not
        // be placed is left out of its package's record, which is marked f:f.
        files: (failures) => {
          for (const f of failures) {
            const p = incoming[f.pkg] as PackageContents;
            notes.push({ package: p.info.name, level: 'error', text: f.message });
            markFileBroken(plan.installed, p.info.name, f.path);
          }
          dbFiles = databaseFiles(state, plan.installed, leavingIdentities(change), incoming, world, mtime);
          return [...skeleton.files, ...dbFiles.files];
        },
        recorded: recordedDigests(state.installed),
        knownDirs: new Set(state.installed.flatMap((p) => p.dirs.map((d) => d.path))),
        protectedPaths: new ProtectedPaths(readProtectedPaths(root)),
        cleanProtected: opts.cleanProtected ?? false,
        purge: opts.purge ?? false,
        skipBlocked: opts.refuseConflictingFiles ?? false,
        linkTimes: opts.linkTimes ?? 'header',
        logger,
        // Staging is synchronous: a hook that stops at 'mid-staging' must block (tests kill it there).
        progress: (n, total) => {
          if (n === Math.floor(total / 2)) void this.pause('mid-staging');
        },
      });
      await this.pause('staged');
      const ops = prepareJournal(root, staged);
      syncFileSystem(this.#txn);
      writeJournal(root, ops, this.binding);
      this.#spooling = false;
      return { ops, triggers: dbFiles?.triggers ?? [] };
    } catch (err) {
      rmSync(this.#txn, { recursive: true, force: true });
      throw err;
    }
  }

  /** The script runner (with `runScripts`); a failure here throws the unstarted transaction away. */
  async prepareScripts(state: RootState, { current, incoming, remove }: Change): Promise<ScriptRunner | undefined> {
    try {
      await this.pause('journal-written');
      return this.opts.runScripts
        ? scriptRunner(this.root, {
            incoming,
            removed: remove.map((n) => current.get(n) as InstalledPackage),
            current,
            stored: state.scripts,
          })
        : undefined;
    } catch (err) {
      // No step has run yet: throwing the transaction away leaves the root as it was.
      await recoverTransaction(this.root, this.binding);
      throw err;
    }
  }

  /**
   * After the commit: the package scripts' runs, then the triggers; each failure is an error note
   * and its package is marked f:s in the database.
   */
  async runScripts(
    scripts: ScriptRunner,
    state: RootState,
    change: Change,
    plan: InstallPlan,
    triggers: TriggerEntries,
    result: InstallResult,
  ): Promise<void> {
    await scripts.finish();
    result.scripts.push(...scripts.runs);
    for (const r of scripts.runs) {
      if (r.exitCode === 0) continue;
      result.notes.push({
        package: r.name,
        level: 'error',
        text: `${r.package}.${r.type}: script exited with error ${r.exitCode}`,
      });
    }
    const fired = await runTriggers(this.root, triggerPlan(plan, triggers, state, change.incoming));
    result.scripts.push(...fired);
    for (const r of fired) {
      if (r.exitCode === 0) continue;
      // apk 2.14 counts each failing trigger as one more error, reported after every change line.
      result.notes.push({
        package: `${r.name} trigger`,
        level: 'error',
        text: `${r.package}.trigger: script exited with error ${r.exitCode}`,
      });
    }
    markBrokenScripts(this.root, state.dbDir, plan.installed, result.scripts);
  }

  /** Removes the staging directory if it still holds only streamed contents (no journal yet). */
  dropSpool(): void {
    if (this.#spooling) rmSync(this.#txn, { recursive: true, force: true });
  }
}

/** The identities of the installed packages the change removes or replaces. */
function leavingIdentities({ current, incoming, remove }: Change): Set<string> {
  const leaving = new Set<string>();
  for (const n of [...remove, ...incoming.map((p) => p.info.name)]) {
    const id = current.get(n)?.info.identity;
    if (id) leaving.add(id);
  }
  return leaving;
}

/** apk's notes for each incoming package: files refused or overwritten, xattrs recorded but not set. */
function conflictNotes(state: RootState, incoming: readonly PackageContents[], plan: InstallPlan): PackageNote[] {
  const notes: PackageNote[] = [];
  const versions = new Map([...state.installed, ...incoming].map((p) => [p.info.name, p.info.version]));
  const id = (name: string) => `${name}-${versions.get(name) ?? ''}`;
  for (const p of incoming) {
    const name = p.info.name;
    for (const c of plan.refused.filter((x) => x.package === name)) {
      notes.push({
        package: name,
        level: 'error',
        text: `${id(name)}: trying to overwrite ${c.path} owned by ${id(c.owner)}.`,
      });
    }
    for (const c of plan.overwritten.filter((x) => x.package === name)) {
      notes.push({
        package: name,
        level: 'warning',
        text: `${id(name)}: overwriting ${c.path} owned by ${id(c.owner)}.`,
      });
    }
    if (plan.installed.find((r) => r.info.name === name)?.flags.includes('x')) {
      notes.push({
        package: name,
        level: 'warning',
        text: `${name}: extended attributes are recorded but not set (marked f:x)`,
      });
    }
  }
  return notes;
}

/** What `installPackages` reports; `notes` is the list later phases add to. */
function resultOf(
  recovered: RecoveryOutcome,
  lockedSet: readonly LockedPackage[],
  { current, incoming, remove }: Change,
  plan: InstallPlan,
  notes: PackageNote[],
): InstallResult {
  return {
    recovered,
    installed: incoming.filter((p) => !current.has(p.info.name)).map((p) => p.info.name),
    upgraded: incoming.filter((p) => current.has(p.info.name)).map((p) => p.info.name),
    removed: remove,
    unchanged: lockedSet.map((p) => p.name).filter((n) => !incoming.some((p) => p.info.name === n)),
    skipped: plan.skipped,
    overwritten: plan.overwritten,
    refused: plan.refused,
    scripts: [],
    notes,
  };
}

/**
 * apk marks a package whose script failed with `f:s`; the database is rewritten through a fresh
 * temporary name opened without following links, then renamed (a package's symlink is never followed).
 */
function markBrokenScripts(
  root: string,
  dbDir: string,
  installed: InstalledPackage[],
  runs: readonly ScriptRun[],
): void {
  const failed = new Set(runs.filter((r) => r.exitCode !== 0).map((r) => r.package));
  if (failed.size === 0) return;
  const marked = installed.map((p) =>
    failed.has(`${p.info.name}-${p.info.version}`) && !p.flags.includes('s') ? { ...p, flags: `${p.flags}s` } : p,
  );
  writeFileInRoot(root, `${dbDir}/installed`, formatInstalledDb(marked));
}

/** Leaves a file that could not be placed out of its package's record and marks the package f:f. */
function markFileBroken(installed: InstalledPackage[], name: string, path: string): void {
  const rec = installed.find((r) => r.info.name === name);
  if (!rec) return;
  const slash = path.lastIndexOf('/');
  const dir = rec.dirs.find((d) => d.path === (slash < 0 ? '' : path.slice(0, slash)));
  if (dir) dir.files = dir.files.filter((f) => f.name !== path.slice(slash + 1));
  if (!rec.flags.includes('f')) rec.flags += 'f';
}

/** Locks the root directory (against other lupine runs) and `<db>/lock` when present (against apk). */
async function lockRoot(root: string, waitSeconds: number): Promise<RootLock> {
  const files = [root];
  const dbDir = locateDbDirSafe(root);
  if (dbDir !== undefined && existsSync(join(root, dbDir, 'lock'))) files.push(join(root, dbDir, 'lock'));
  return lockPaths(files, waitSeconds);
}

/**
 * Locks a root for a change that is planned from its state: a writer takes the lock first, then
 * reads world and database and plans, then installs with `lockHeld`, so a second writer plans from
 * what the first committed (never from state read before it held the lock). An interrupted
 * transaction is recovered first. Release the lock when the change is done.
 */
export async function holdRoot(
  rootDir: string,
  opts: { lockWait?: number; stateDir?: string } = {},
): Promise<RootLock & { readonly recovered: RecoveryOutcome }> {
  const root = resolve(rootDir);
  const binding = journalBinding(root, opts.stateDir);
  const lock = await lockRoot(root, opts.lockWait ?? 0);
  try {
    return { recovered: await recoverTransaction(root, binding), release: () => lock.release() };
  } catch (err) {
    await lock.release();
    throw err;
  }
}

/**
 * Rolls back a transaction left by a crash before its done marker, or cleans up after one that got
 * there (see `recoverTransaction`), under the root's lock. `installPackages` does this itself first.
 */
export async function recoverRoot(
  rootDir: string,
  opts: { lockWait?: number; pause?: PauseHook; stateDir?: string } = {},
): Promise<RecoveryOutcome> {
  const root = resolve(rootDir);
  const binding = journalBinding(root, opts.stateDir);
  const lock = await lockRoot(root, opts.lockWait ?? 0);
  try {
    return await recoverTransaction(root, binding, opts.pause);
  } finally {
    await lock.release();
  }
}

/** The journal's binding: our key and the root's real path. */
function journalBinding(root: string, stateDir: string | undefined): JournalBinding {
  return { key: journalKey(stateDir), root: realpathSync(root) };
}

/** Package path → `Z:` of every file the installed database records. */
function recordedDigests(installed: readonly InstalledPackage[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const p of installed) {
    for (const d of p.dirs) for (const f of d.files) out.set(d.path ? `${d.path}/${f.name}` : f.name, f.digest);
  }
  return out;
}

function locateDbDirSafe(root: string): string | undefined {
  try {
    return locateDbDir(root);
  } catch {
    return undefined;
  }
}
