/**
 * `lupine apk`: apk-tools 2.14's command line. Global options go anywhere; the applet is the first
 * bare word naming one. The `--test-*` options of apk's test build load state from files and imply
 * --simulate. Heavy modules load lazily so the command starts fast.
 */
import { fixedClock, LupineError, sourceDateEpochClock } from '../../../core/index.js';
import type { Command } from '../../command.js';
import type { CliIo } from '../../io.js';
import { EXIT_FAIL, EXIT_OK, EXIT_USAGE } from '../../render.js';
import type { ApkRun } from './applets.js';
import { COMMIT_APPLETS, has, isTestMode, parseApkArgs, values } from './args.js';
import type { LocalPackages } from './install.js';

const HELP = `Usage: lupine apk [<global options>...] <applet> [<options>...] [<arguments>...]

apk-tools 2.14 compatible package manager front end.

Applets:
  add        Add or modify constraints in WORLD and commit changes
  del        Remove constraints from WORLD and commit changes
  upgrade    Install upgrades available from repositories
  fix        Fix, reinstall or upgrade packages without modifying WORLD
  version    Compare package versions (-t A B, -c V...) or list upgrades
  policy     Show repository policy for packages
  info       Give detailed information about packages
  search     Search for packages by name
  list       List packages by pattern and other criteria
  dot        Generate graphviz graphs
  verify     Verify package integrity and signature
  cache      Manage the local package cache (clean, download, sync)

Global options:
  -p, --root DIR            Root of the installation (default /)
  -X, --repository REPO     Use an additional repository (URL, repo dir, or a local APKINDEX.tar.gz)
  --repositories-file FILE  Read repositories from FILE
  --keys-dir DIR            Trusted keys (default ROOT/etc/apk/keys; relative to ROOT)
  --arch ARCH               Machine architecture
  --allow-untrusted         Accept unsigned or untrusted indexes
  -s, --simulate            Show what would be done without changing anything
  --cache-dir DIR           Shared cache (default ROOT/etc/apk/cache if present, else ~/.cache/lupine)
  --no-cache, --no-network  No cache; or use remote repositories from the cache only
  --initdb                  Create the database and the root's skeleton (add)
  --scripts                 Run package scripts in a bubblewrap chroot of the root (stored only by default)
  -q, -v, -f/--force, --force-overwrite, --force-*, --wait SECONDS

HTTP basic auth comes from credentials in the repository URL or HTTP_AUTH=basic:HOST:USER:PASS.


Test build options (imply --simulate):
  --test-repo [!][TAG:]FILE   A repository whose index is the APKINDEX text in FILE
  --test-instdb FILE          The installed database before the command
  --test-world "DEPS"         The world before the command
`;

async function run(argv: string[], io: CliIo): Promise<number> {
  const args = parseApkArgs(argv);
  const verbosity = 1 + values(args, 'verbose').length - values(args, 'quiet').length;
  const out = { io, verbosity };
  if (has(args, 'help')) {
    io.stdout.write(HELP);
    return EXIT_OK;
  }
  if (has(args, 'print-arch')) {
    const { printArch } = await import('./context.js');
    io.stdout.write(`${await printArch(args, io)}\n`);
    return EXIT_OK;
  }
  const applet = args.applet;
  if (applet === undefined) {
    // apk names the first argument left once options are parsed (getopt permutes them out).
    if (args.args.length > 0) {
      io.stderr.write(`ERROR: '${args.args[0]}' is not an apk command. See 'apk --help'.\n`);
      return EXIT_FAIL;
    }
    io.stderr.write(HELP);
    return EXIT_USAGE;
  }
  if (applet === 'version' && (has(args, 'test') || has(args, 'check'))) {
    const { versionTools } = await import('./query.js');
    return versionTools(out, args) ? EXIT_FAIL : EXIT_OK;
  }
  if (applet === 'verify') {
    const { verifyApplet } = await import('./verify.js');
    return (await verifyApplet(out, args)) ? EXIT_FAIL : EXIT_OK;
  }
  let held: { release(): Promise<void> } | undefined;
  let errors: number;
  try {
    const clock = sourceDateEpochClock(io.env, fixedClock(Math.floor(Date.now() / 1000)));
    const test = isTestMode(args);
    const simulate = test || has(args, 'simulate');
    const ctx = await import('./context.js');
    let apkRun: ApkRun;
    if (test) {
      const state = await ctx.testStateLoader.load(args, io);
      apkRun = { out, args, state, applier: ctx.simulatedApplier, simulate, clock };
    } else {
      // A real change locks the root before its state is read (a second writer plans from what the
      // first committed); the lock is held until the change is done.
      if (COMMIT_APPLETS.has(applet) && !simulate) {
        held = await (await import('./install.js')).lockForChange(args, io);
      }
      // A root on disk: its repositories and keys; the installer is loaded only for a real change.
      const { loadRootState } = await import('./root.js');
      const state = await loadRootState(args, io);
      if (applet === 'cache') {
        const { cacheApplet } = await import('./cache.js');
        const run = { out, args, state, applier: ctx.simulatedApplier, simulate, clock };
        return (await cacheApplet(run, state)) ? EXIT_FAIL : EXIT_OK;
      }
      // The installer side (package reading, writing, installing) is loaded only when it is used.
      let locals: LocalPackages | undefined;
      const localPackages = async () => {
        locals ??= new (await import('./install.js')).LocalPackages();
        return locals;
      };
      const applier = simulate
        ? ctx.simulatedApplier
        : (await import('./install.js')).installApplier({
            args,
            io,
            verbosity,
            state,
            locals: await localPackages(),
            clock,
            ...(held ? { lockHeld: true } : {}),
          });
      apkRun = {
        out,
        args,
        state,
        applier,
        simulate,
        clock,
        readLocalPackage: async (f) => (await localPackages()).read(io, f),
      };
    }
    if (COMMIT_APPLETS.has(applet)) {
      const applets = await import('./applets.js');
      const fn = {
        add: applets.addApplet,
        del: applets.delApplet,
        upgrade: applets.upgradeApplet,
        fix: applets.fixApplet,
      }[applet as 'add' | 'del' | 'upgrade' | 'fix'];
      errors = await fn(apkRun);
    } else {
      const q = await import('./query.js');
      errors = await q.queryApplet(applet, apkRun);
    }
  } finally {
    await held?.release();
  }
  return apkExitCode(errors);
}

/** apk exits with the number of errors, capped at 99 (a negative count, an internal failure, is 250). */
export function apkExitCode(errors: number): number {
  if (errors < 0) return 250;
  return Math.min(errors, 99);
}

export const apkCommand: Command = {
  path: ['apk'],
  summary: 'apk-tools 2.14 compatible add/del/upgrade/fix/version/policy/info/search/list/dot',
  help: HELP,
  async run(argv, io) {
    try {
      return await run(argv, io);
    } catch (err) {
      if (err instanceof LupineError && err.code === 'APK_BAD_DEPENDENCY') {
        io.stderr.write(`ERROR: ${err.message}\n`);
        return EXIT_FAIL;
      }
      throw err;
    }
  },
};
