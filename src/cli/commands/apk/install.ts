/**
 * The real ChangeApplier: makes a root hold the solved installed set through `installPackages`
 * (fetch and verify everything, stage, commit atomically), writing world and the databases.
 */
import { constants } from 'node:fs';
import { access, mkdir, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import {
  formatDependency,
  type PackageInfo,
  packageIdentity,
  readPackageHead,
  writePackage,
} from '../../../apk/index.js';
import { type Clock, InternalError, ioError, type Logger, LupineError, readInputFile } from '../../../core/index.js';
import type { LockedPackage } from '../../../install/index.js';
import type { ResolvedPackage } from '../../../resolver/index.js';
import type { CliIo } from '../../io.js';
import { checkPackageFile } from '../repo/package-file.js';
import { type ApkArgs, has, last, values } from './args.js';
import type { ChangeApplier, CommitPlan } from './context.js';
import { type RootState, rootOf } from './root.js';

/** Local package files read for `add ./x.apk`, by identity. */
export class LocalPackages {
  #bytes = new Map<string, Uint8Array>();

  /** Reads a package file for `apk add FILE`: its info, with identity and file size. */
  async read(io: CliIo, file: string): Promise<PackageInfo> {
    const path = resolve(io.cwd, file);
    // Streamed first, with limits from its declared size: a decompression bomb stops here.
    await checkPackageFile(path, file);
    const bytes = await readInputFile(path, 'package');
    // The head only: the data member was checked streaming above and is streamed again to install.
    const pkg = readPackageHead(bytes, bytes.length, { source: file });
    if (pkg === undefined) throw new InternalError(`${file}: read whole, yet its head is missing`);
    this.#bytes.set(pkg.identity, bytes);
    return { ...pkg.info, identity: pkg.identity };
  }

  get(identity: string): Uint8Array | undefined {
    return this.#bytes.get(identity);
  }
}

/** apk's messages go to the terminal's streams: warnings on stderr, debug with -v -v. */
function cliLogger(io: CliIo, verbosity: number): Logger {
  return {
    debug: (m: string) => {
      if (verbosity > 2) io.stderr.write(`${m}\n`);
    },
    info: () => {},
    warn: (m: string) => {
      if (verbosity > 0) io.stderr.write(`WARNING: ${m}\n`);
    },
  };
}

interface ApplierContext {
  readonly args: ApkArgs;
  readonly io: CliIo;
  readonly verbosity: number;
  readonly state: RootState;
  readonly locals: LocalPackages;
  readonly clock: Clock;
  /** The root's lock is held since before its state was read (see `lockForChange`). */
  readonly lockHeld?: boolean;
}

/**
 * Takes the root's lock for add/del/upgrade/fix before the world and database are read, so the
 * change is planned from the state the previous writer committed. Undefined when there is no root
 * directory to lock (yet): the installer reports that itself.
 */
export async function lockForChange(args: ApkArgs, io: CliIo): Promise<{ release(): Promise<void> } | undefined> {
  const root = rootOf(args, io);
  if (has(args, 'initdb')) await mkdir(root, { recursive: true });
  if (!(await stat(root).catch(() => undefined))?.isDirectory()) return undefined;
  const { holdRoot } = await import('../../../install/index.js');
  const wait = Number(last(args, 'wait') ?? 0);
  const held = await holdRoot(root, { lockWait: Number.isFinite(wait) ? wait : 0 });
  if (held.recovered === 'rolled-back' && verbosityOf(args) > 0) {
    io.stderr.write(`WARNING: rolled back an interrupted transaction in ${root}\n`);
  }
  return held;
}

function verbosityOf(args: ApkArgs): number {
  return 1 + values(args, 'verbose').length - values(args, 'quiet').length;
}

function lockedPackage(ctx: ApplierContext, plan: CommitPlan, r: ResolvedPackage): LockedPackage {
  const { pkg } = r;
  const base = { name: pkg.name, version: pkg.version, arch: pkg.arch, tag: r.tag };
  const fromRepo = ctx.state.fetchers[r.repository];
  if (r.repository >= 0 && fromRepo) {
    const repository = ctx.state.repositories[r.repository]?.name ?? '';
    const sized = pkg.installedSize > 0 ? { installedSize: pkg.installedSize } : {};
    return { ...base, ...sized, identity: pkg.identity, repository, fetch: () => fromRepo(pkg) };
  }
  const file = ctx.locals.get(pkg.identity);
  if (file) {
    // A local file carries no index identity: it must be signed by a trusted key (or --allow-untrusted).
    return { ...base, identity: '', repository: 'local file', fetch: async () => file };
  }
  if (plan.localPackages.includes(pkg)) {
    // `add -t NAME`: a virtual package, built as an empty .apk so the installer records it like apk.
    const bytes = writePackage({ files: [], info: { ...pkg, identity: '' }, clock: ctx.clock });
    return { ...base, identity: packageIdentity(bytes), repository: 'virtual', fetch: async () => bytes };
  }
  return {
    ...base,
    identity: pkg.identity,
    repository: 'lib/apk/db/installed',
    fetch: async () => {
      throw new LupineError('REPO_NOT_FOUND', `${pkg.name}-${pkg.version} is not available from any repository`, {
        details: { package: `${pkg.name}-${pkg.version}` },
        hint: 'add the repository that holds it (-X or etc/apk/repositories)',
      });
    },
  };
}

/**
 * apk's progress bar (`apk_print_progress`) on a terminal only: `\e7 NN% ####`, erased with
 * `\e8\e[0K` before it is redrawn and once the installer is done, as packages are fetched and verified.
 */
function withProgress(ctx: ApplierContext, items: LockedPackage[]): { items: LockedPackage[]; clear(): void } {
  const out = ctx.io.stdout;
  const on = (out.isTTY === true || has(ctx.args, 'progress')) && !has(ctx.args, 'no-progress') && ctx.verbosity > 0;
  // Only packages not installed as they are get fetched.
  const have = new Set(ctx.state.installed.map((p) => p.identity));
  const total = items.filter((p) => p.identity === '' || !have.has(p.identity)).length;
  let drawn = false;
  const clear = () => {
    if (drawn) out.write(Buffer.from('\x1b8\x1b[0K')); // bytes: our own sequence, not sanitized
    drawn = false;
  };
  if (!on || total === 0) return { items, clear };
  let done = 0;
  const draw = () => {
    clear();
    const width = Math.max(0, (out.columns ?? 80) - 6);
    const bar = '#'.repeat(Math.min(width, Math.floor((width * done) / total)));
    out.write(Buffer.from(`\x1b7${String(Math.min(100, Math.floor((100 * done) / total))).padStart(3)}% ${bar}`));
    drawn = true;
  };
  const wrapped = items.map((p) => ({
    ...p,
    fetch: async () => {
      const bytes = await p.fetch();
      done++;
      draw();
      return bytes;
    },
  }));
  return { items: wrapped, clear };
}

/** Installs the plan into `--root`; the installer's errors (LupineError) propagate to the CLI. */
export function installApplier(ctx: ApplierContext): ChangeApplier {
  return {
    async prepare() {
      // `--initdb` creates the root itself when it does not exist yet, as apk does.
      if (has(ctx.args, 'initdb')) await mkdir(ctx.state.root, { recursive: true });
      // A read-only or unwritable root fails here, before any "Installing" line is printed.
      await access(ctx.state.root, constants.W_OK).catch((err: unknown) => {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
          throw ioError(err, 'write to', ctx.state.root, 'the root');
      });
    },
    async apply(plan) {
      const { installPackages } = await import('../../../install/index.js');
      const { args } = ctx;
      const wait = Number(last(args, 'wait') ?? 0);
      // Packages are changed (and their scripts run) in the order apk prints the changes.
      const order = new Map(plan.changes.map((c, i) => [c.name, i]));
      const rank = (r: ResolvedPackage) => order.get(r.pkg.name) ?? plan.changes.length;
      const progress = withProgress(
        ctx,
        [...plan.installed].sort((a, b) => rank(a) - rank(b)).map((r) => lockedPackage(ctx, plan, r)),
      );
      try {
        const result = await installPackages(ctx.state.root, progress.items, {
          world: plan.world.map(formatDependency),
          keyring: ctx.state.keys,
          allowUntrusted: has(args, 'allow-untrusted'),
          forceOverwrite: has(args, 'force-overwrite') || has(args, 'force'),
          refuseConflictingFiles: true,
          runScripts: has(args, 'scripts') && !has(args, 'no-scripts'),
          initDb: has(args, 'initdb'),
          arch: ctx.state.installArch,
          clock: ctx.clock,
          logger: cliLogger(ctx.io, ctx.verbosity),
          lockWait: Number.isFinite(wait) ? wait : 0,
          reinstall: plan.changes.filter((c) => c.kind === 'reinstall').map((c) => c.name),
          ...(ctx.lockHeld ? { lockHeld: true } : {}),
          // apk-tools sets no time on symlinks: they keep the time of the install.
          linkTimes: 'install',
          cleanProtected: has(args, 'clean-protected'),
          purge: has(args, 'purge'),
          quietNotes: true,
        });
        // apk: a refused file, an entry something was in the way of, a failed script is an error line at
        // its package; each package with errors is one error.
        const notes = new Map<string, string[]>();
        for (const n of result.notes) {
          const list = notes.get(n.package) ?? [];
          list.push(`${n.level === 'error' ? 'ERROR' : 'WARNING'}: ${n.text}`);
          notes.set(n.package, list);
        }
        return { errors: new Set(result.notes.filter((n) => n.level === 'error').map((n) => n.package)).size, notes };
      } finally {
        progress.clear();
      }
    },
  };
}
