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
import { type ApkArgs, COMMIT_APPLETS, findApplet, has, isTestMode, parseApkArgs, values } from './args.js';
import { apkHelp, versionLine } from './help.js';
import type { LocalPackages } from './install.js';
import type { RootState } from './root.js';

type Output = ApkRun['out'];

async function run(argv: string[], io: CliIo): Promise<number> {
  const args = parseApkArgs(argv);
  const out = { io, verbosity: 1 + values(args, 'verbose').length - values(args, 'quiet').length };
  const applet = args.applet;
  if (applet === undefined || has(args, 'help') || has(args, 'version') || has(args, 'print-arch')) {
    return withoutApplet(args, out);
  }
  if (applet === 'version' && (has(args, 'test') || has(args, 'check'))) {
    const { versionTools } = await import('./query.js');
    return versionTools(out, args) ? EXIT_FAIL : EXIT_OK;
  }
  if (applet === 'verify') {
    const { verifyApplet } = await import('./verify.js');
    return (await verifyApplet(out, args)) ? EXIT_FAIL : EXIT_OK;
  }
  return onState(applet, args, out);
}

/** `--help`, `--version`, `--print-arch`, or no applet: apk's usage (or its error for a word that is none). */
async function withoutApplet(args: ApkArgs, out: Output): Promise<number> {
  const { io } = out;
  if (has(args, 'help')) {
    io.stdout.write(apkHelp(args.applet));
    return EXIT_OK;
  }
  if (has(args, 'version')) {
    io.stdout.write(versionLine());
    return EXIT_OK;
  }
  if (has(args, 'print-arch')) {
    const { printArch } = await import('./context.js');
    io.stdout.write(`${await printArch(args, io)}\n`);
    return EXIT_OK;
  }
  // apk names the first argument left once options are parsed (getopt permutes them out).
  if (args.args.length > 0) {
    io.stderr.write(`ERROR: '${args.args[0]}' is not an apk command. See 'apk --help'.\n`);
    return EXIT_FAIL;
  }
  io.stderr.write(apkHelp(undefined));
  return EXIT_USAGE;
}

/**
 * An applet that reads a state: the test build's files, or a root on disk. A real change locks the
 * root before its state is read (a second writer plans from what the first committed); the lock is
 * held until the change is done.
 */
async function onState(applet: string, args: ApkArgs, out: Output): Promise<number> {
  const { io } = out;
  let held: { release(): Promise<void> } | undefined;
  try {
    const clock = sourceDateEpochClock(io.env, fixedClock(Math.floor(Date.now() / 1000)));
    const test = isTestMode(args);
    const simulate = test || has(args, 'simulate');
    const ctx = await import('./context.js');
    if (test) {
      const state = await ctx.testStateLoader.load(args, io);
      return apkExitCode(await runApplet(applet, { out, args, state, applier: ctx.simulatedApplier, simulate, clock }));
    }
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
    const apkRun = await rootRun(
      { out, args, state, applier: ctx.simulatedApplier, simulate, clock },
      held !== undefined,
    );
    return apkExitCode(await runApplet(applet, apkRun));
  } finally {
    await held?.release();
  }
}

/**
 * The run of an applet on a root: local package files read on demand and, for a real change, the
 * installer (`lockHeld` when the root is already locked). The installer side (package reading,
 * writing, installing) is loaded only when it is used.
 */
async function rootRun(simulated: ApkRun & { readonly state: RootState }, lockHeld: boolean): Promise<ApkRun> {
  const { out, args, state, clock } = simulated;
  const { io, verbosity } = out;
  let locals: LocalPackages | undefined;
  const localPackages = async () => {
    locals ??= new (await import('./install.js')).LocalPackages();
    return locals;
  };
  const applier = simulated.simulate
    ? simulated.applier
    : (await import('./install.js')).installApplier({
        args,
        io,
        verbosity,
        state,
        locals: await localPackages(),
        clock,
        ...(lockHeld ? { lockHeld: true } : {}),
      });
  return { ...simulated, applier, readLocalPackage: async (f) => (await localPackages()).read(io, f) };
}

/** Runs the applet; returns apk's error count. */
async function runApplet(applet: string, apkRun: ApkRun): Promise<number> {
  if (COMMIT_APPLETS.has(applet)) {
    const applets = await import('./applets.js');
    const fn = {
      add: applets.addApplet,
      del: applets.delApplet,
      upgrade: applets.upgradeApplet,
      fix: applets.fixApplet,
    }[applet as 'add' | 'del' | 'upgrade' | 'fix'];
    return fn(apkRun);
  }
  const q = await import('./query.js');
  return q.queryApplet(applet, apkRun);
}

/** apk exits with the number of errors, capped at 99 (a negative count, an internal failure, is 250). */
export function apkExitCode(errors: number): number {
  if (errors < 0) return 250;
  return Math.min(errors, 99);
}

export const apkCommand: Command = {
  path: ['apk'],
  summary: 'apk-tools 2.14 compatible add/del/upgrade/fix/version/policy/info/search/list/dot',
  help: apkHelp(undefined),
  helpFor: (argv) => apkHelp(findApplet(argv)),
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
