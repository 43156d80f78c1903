import { access } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { selectArch } from '../../../apk/index.js';
import { LupineError, TOOL_VERSION } from '../../../core/index.js';
import {
  buildDistro,
  buildGraph,
  type DistroEvent,
  eventLine,
  hashFolder,
  LiveProgress,
  loadDistroTree,
  MelangeBuilder,
  openRecipeLog,
  type RecipeExecutor,
  readStateFile,
  stateFilePath,
  summaryLine,
  sweepStaleSourceDirs,
  writeStateFile,
} from '../../../distro/index.js';
import { loadSigningKey } from '../../../pkg/index.js';
import { publishSecdb, REPOSITORY_SECDB } from '../../../scan/index.js';
import { commandHelp, parse, requireCount } from '../../args.js';
import type { Command } from '../../command.js';
import type { CliIo } from '../../io.js';
import { EXIT_ERROR, EXIT_OK } from '../../render.js';
import { setOnly, setPaths } from '../common/set-only.js';

const HELP = `Usage: lupine distro build [DIR] [-j N] [--out-dir DIR] [--signing-key KEY] [--arch ARCH]
                          [--only PKG]... [--force] [--dry-run]
                          [--executor bullmq --redis URL --store REF]

Builds the recipe tree DIR (default: distro) into a signed apk repository, in dependency order
(see 'lupine distro graph'), up to N recipes at a time: a recipe starts as soon as everything it
needs is built. Stage-0 recipes (annotation dev.lupine.runner: host) build on the host's own
files (unhermetic bootstrap); all others build in a bubblewrap guest made only of packages from
this repository.

Incremental: a recipe is rebuilt only when its file, the folder beside it (foo.yaml → foo/), or
the identity of a package it builds against changed, or an output is missing; the log says why.
What each recipe was built from is kept in OUT-DIR/.lupine-distro-state.json. Each build writes
OUT-DIR/logs/NAME.log. On a terminal, running builds are shown live; otherwise one line per
event. The last line sums up: built, skipped, failed, time. Exit code 3 when a recipe failed.

With --executor bullmq, this command is the coordinator of a cluster: each recipe whose inputs are
ready becomes a job in Redis for 'lupine distro worker' processes on any machines, and its outputs
come back through the store, an OCI registry repository where they are tagged with the recipe's
input identity (recipe, folder, what it builds against, toolchain). A recipe whose identity is
already in the store is pulled, not built: the store is a remote cache for every coordinator.
Packages and the index are signed here, with --signing-key: the key never leaves this machine.
`;

const options = {
  jobs: { type: 'string', short: 'j', arg: 'N', help: 'recipes built at once (default: the number of CPUs)' },
  'out-dir': { type: 'string', arg: 'DIR', help: 'the repository (default: out/packages); packages go to DIR/ARCH/' },
  'signing-key': { type: 'string', arg: 'KEY', help: 'RSA private key to sign packages and the index' },
  arch: { type: 'string', arg: 'ARCH', help: "architecture to build (default: this machine's)" },
  only: {
    type: 'string',
    multiple: true,
    arg: 'PKG',
    help: 'build only the recipe making PKG (repeatable, or comma-separated);\nwhat it needs must have been built already',
  },
  force: { type: 'boolean', help: 'rebuild the selected recipes even when nothing changed' },
  'dry-run': { type: 'boolean', help: 'print what would be built and why; build nothing' },
  'no-test': { type: 'boolean', help: "do not run the recipes' test: blocks after building them" },
  'cache-dir': { type: 'string', arg: 'DIR', help: 'download and package cache (default: OUT-DIR/../cache)' },
  sources: {
    type: 'string',
    arg: 'DIR',
    help: 'the source store fetch / git-checkout sources resolve through before each\nbuild (default: CACHE-DIR/sources; fill it with lupine distro fetch)',
  },
  repository: {
    type: 'string',
    short: 'r',
    multiple: true,
    arg: 'URL',
    help: 'another repository for build guests (repeatable)',
  },
  keyring: {
    type: 'string',
    short: 'k',
    multiple: true,
    arg: 'KEY',
    help: 'a public key for those repositories (repeatable)',
  },
  executor: {
    type: 'string',
    arg: 'NAME',
    help: 'local (default: build here) or bullmq (queue jobs for distro workers)',
  },
  redis: {
    type: 'string',
    arg: 'URL',
    help: 'bullmq: redis://[user:password@]host:port, rediss:// for TLS\n(default: $LUPINE_REDIS_URL)',
  },
  store: {
    type: 'string',
    arg: 'REF',
    help: 'bullmq: the artifact store, a registry repository (HTTP_AUTH for credentials)',
  },
  insecure: { type: 'boolean', help: 'bullmq: allow plain HTTP to a non-loopback store' },
} as const;

function jobsOf(value: string | undefined): number {
  if (value === undefined) return availableParallelism();
  if (!/^[1-9]\d*$/.test(value)) {
    throw new LupineError('USAGE', `distro build: -j wants a positive number, not '${value}'`, {
      hint: "see 'lupine distro build --help'",
    });
  }
  return Number(value);
}

function sourceDateEpoch(env: Readonly<Record<string, string | undefined>>): number | undefined {
  const v = env.SOURCE_DATE_EPOCH;
  return v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined;
}

/**
 * Everything that changes the bytes of what a recipe makes, besides its inputs: the epoch dates
 * every file and the package itself, so a store shared by coordinators with other epochs keeps them apart.
 */
async function toolchainOf(test: boolean, pipelinesDir: string, sde: number | undefined): Promise<string> {
  return `lupine ${TOOL_VERSION}; tests ${test ? 'on' : 'off'}; pipelines ${await hashFolder(pipelinesDir)}; epoch ${sde ?? 0}`;
}

/** `--executor` is local or bullmq; bullmq workers see no `--repository` or `--keyring`. */
function checkExecutor(name: string, withRepositories: boolean): void {
  if (name !== 'local' && name !== 'bullmq') {
    throw new LupineError('USAGE', `distro build: --executor is local or bullmq, not '${name}'`, {
      hint: "see 'lupine distro build --help'",
    });
  }
  if (name === 'bullmq' && withRepositories) {
    // Workers build against the store only; a guest here would see packages theirs would not.
    throw new LupineError(
      'USAGE',
      'distro build: --repository and --keyring are not sent to workers (bullmq executor)',
      {
        hint: 'build what the recipes need from those repositories into the tree, or use the local executor',
      },
    );
  }
}

/** The bullmq executor: the queue at --redis, the store at --store, and what every job builds with. */
async function openBullmq(
  io: CliIo,
  values: {
    readonly redis?: string | undefined;
    readonly store?: string | undefined;
    readonly insecure?: boolean | undefined;
  },
  o: {
    readonly test: boolean;
    readonly sourceStoreDir: string;
    readonly pipelineDirs: readonly string[];
    readonly signingKey: Awaited<ReturnType<typeof loadSigningKey>>;
    readonly sde: number | undefined;
  },
): Promise<RecipeExecutor> {
  const { BullmqExecutor, redisUrlOf } = await import('../../../cluster/index.js');
  const { openStore } = await import('./store.js');
  const redisUrl = redisUrlOf(values.redis, io.env);
  const store = openStore(values.store, io, values.insecure ?? false, 'distro build');
  return await BullmqExecutor.open({
    redisUrl,
    store,
    test: o.test,
    sourceStoreDir: o.sourceStoreDir,
    pipelineDirs: [...o.pipelineDirs],
    ...setOnly({ signingKey: o.signingKey, sourceDateEpoch: o.sde }),
  });
}

/** Removes the source directories of builds that were killed, saying so. */
async function sweepKilledBuilds(io: CliIo): Promise<void> {
  const swept = await sweepStaleSourceDirs();
  for (const p of swept.removed) io.stderr.write(`distro: removed ${p}, left by a build that was killed\n`);
  for (const f of swept.failed) {
    io.stderr.write(`warning: distro: cannot remove ${f.path}, left by a killed build: ${f.error}\n`);
  }
}

/** Progress: a live view on a terminal, else one line per event (stdout on a dry run). */
function startProgress(io: CliIo, dryRun: boolean): { onEvent: (e: DistroEvent) => void; stop: () => void } {
  const live = io.stderr.isTTY === true && !dryRun ? new LiveProgress(io.stderr.columns || 80) : undefined;
  const out = dryRun ? io.stdout : io.stderr;
  const onEvent = (e: DistroEvent) => {
    // Bytes: the live view's own sequences pass; what it shows is made safe by LiveProgress.
    if (live) out.write(Buffer.from(live.update(e, performance.now())));
    else {
      const line = eventLine(e);
      if (line !== undefined) out.write(`${line}\n`);
    }
  };
  const timer = live ? setInterval(() => out.write(Buffer.from(live.tick(performance.now()))), 1000) : undefined;
  return {
    onEvent,
    stop: () => {
      if (timer) clearInterval(timer);
      if (live) out.write(Buffer.from(live.finish()));
    },
  };
}

/** After the build: the state saved, the distro's advisories published, the summary and failures told. */
async function finish(
  io: CliIo,
  result: Awaited<ReturnType<typeof buildDistro>>,
  o: { readonly dryRun: boolean; readonly outDir: string; readonly treeDir: string; readonly arch: string },
): Promise<number> {
  const { dryRun, outDir, arch } = o;
  if (!dryRun) await writeStateFile(outDir, result.state);
  const s = result.summary;
  // The distro's own advisories (DIR/advisories, Wolfi's format) published as OUT/security.json.
  if (!dryRun && s.failed + s.blocked === 0) {
    const n = await publishSecdb(join(o.treeDir, 'advisories'), outDir, [arch]);
    if (n !== undefined) io.stderr.write(`published ${join(outDir, REPOSITORY_SECDB)} (${n} advisory entries)\n`);
  }
  io.stdout.write(summaryLine(s, dryRun));
  if (!dryRun && s.failed + s.blocked > 0) {
    for (const o of s.outcomes.filter((x) => x.status === 'failed')) {
      io.stderr.write(
        `lupine: ${o.name} failed: ${o.reason.split('\n')[0]} (log: ${join(outDir, 'logs', `${o.name}.log`)})\n`,
      );
    }
    io.stderr.write(`state kept in ${stateFilePath(outDir)}\n`);
    return EXIT_ERROR;
  }
  return EXIT_OK;
}

export const distroBuildCommand: Command = {
  path: ['distro', 'build'],
  summary: 'build a recipe tree into a signed repository, in parallel and incrementally',
  help: commandHelp(HELP, options),
  options: options,
  async run(argv, io) {
    const { values, positionals } = parse(argv, options, 'distro build');
    requireCount(positionals, 0, 1, 'distro build', 'at most one DIR');
    const jobs = jobsOf(values.jobs);
    const arch = selectArch({ requested: values.arch, otherwise: 'host', command: 'distro build' });
    const at = (p: string) => resolve(io.cwd, p);
    const outDir = at(values['out-dir'] ?? join('out', 'packages'));
    const dryRun = values['dry-run'] ?? false;
    const only = (values.only ?? []).flatMap((v) => v.split(',')).filter((v) => v !== '');
    const tree = await loadDistroTree(at(positionals[0] ?? 'distro'), { arch });
    const graph = buildGraph(tree.nodes);
    const state = await readStateFile(outDir);
    const sde = sourceDateEpoch(io.env);
    const cacheDir = at(values['cache-dir'] ?? join(outDir, '..', 'cache'));
    const test = !(values['no-test'] ?? false);
    const sourceStoreDir = values.sources !== undefined ? at(values.sources) : join(cacheDir, 'sources');
    const builder = new MelangeBuilder({
      cacheDir: join(cacheDir, 'melange'),
      sourceStoreDir,
      packageCacheDir: join(cacheDir, 'packages'),
      pipelineDirs: [join(tree.dir, 'pipelines')],
      test,
      repositories: (values.repository ?? []).map((r) => (/^[a-z]+:\/\//.test(r) ? r : at(r))),
      keys: (values.keyring ?? []).map(at),
      ...setPaths(io.cwd, { signingKey: values['signing-key'] }),
      ...setOnly({ sourceDateEpoch: sde }),
    });

    if (!dryRun) await sweepKilledBuilds(io);

    const toolchain = await toolchainOf(test, join(tree.dir, 'pipelines'), sde);
    const executorName = values.executor ?? 'local';
    checkExecutor(executorName, values.repository !== undefined || values.keyring !== undefined);
    // Read (and checked) once, before any build: a bad key fails the command, not every recipe.
    const keyPath = values['signing-key'] !== undefined ? at(values['signing-key']) : undefined;
    const signingKey = dryRun ? undefined : await loadSigningKey(keyPath);
    const executor =
      executorName === 'bullmq' && !dryRun
        ? await openBullmq(io, values, {
            test,
            sourceStoreDir,
            pipelineDirs: [join(tree.dir, 'pipelines')],
            signingKey,
            sde,
          })
        : undefined;

    const progress = startProgress(io, dryRun);
    let result: Awaited<ReturnType<typeof buildDistro>>;
    try {
      result = await buildDistro({
        graph,
        inputs: tree.inputs,
        state,
        arch,
        outDir,
        builder,
        ...setOnly({ executor, signal: io.signal }),
        toolchain,
        jobs,
        only,
        force: values.force ?? false,
        dryRun,
        outputExists: (p) =>
          access(join(outDir, p)).then(
            () => true,
            () => false,
          ),
        openLog: (name) => openRecipeLog(outDir, name),
        ...(dryRun ? {} : { saveState: (s) => writeStateFile(outDir, s) }),
        onEvent: progress.onEvent,
        now: () => performance.now(),
      });
    } finally {
      await executor?.close();
      progress.stop();
    }
    return finish(io, result, { dryRun, outDir, treeDir: tree.dir, arch });
  },
};
