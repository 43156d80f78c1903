import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { redactRedisUrl, redisUrlOf, startWorker, type WorkerEvent } from '../../../cluster/index.js';
import { LupineError, termSafe } from '../../../core/index.js';
import { commandHelp, parse, requireCount } from '../../args.js';
import type { Command } from '../../command.js';
import { EXIT_OK } from '../../render.js';
import { openStore } from './store.js';

const HELP = `Usage: lupine distro worker --redis URL --store REF [--concurrency N] [--work-dir DIR]

Takes recipe jobs that 'lupine distro build --executor bullmq' queues in Redis and builds them,
each in a fresh directory under DIR with its own sandbox: the recipe's inputs and the packages it
builds against are pulled from the store (an OCI registry repository), and its outputs (packages
and log) are pushed there as one artifact only once the build and its tests passed. Start any
number of workers on any machines; they share nothing but Redis and the store. A worker never
holds the signing key: the coordinator signs. Runs until interrupted (Ctrl-C lets running builds
finish); a worker that dies mid-build has its job taken over by another after --lock-ms.
`;

const options = {
  redis: {
    type: 'string',
    arg: 'URL',
    help: 'redis://[user:password@]host:port, rediss:// for TLS (default: $LUPINE_REDIS_URL)',
  },
  store: {
    type: 'string',
    arg: 'REF',
    help: 'registry repository for artifacts, e.g. 127.0.0.1:5000/distro/cache;\nregistry credentials from HTTP_AUTH or the docker config',
  },
  concurrency: { type: 'string', arg: 'N', help: 'builds at once (default 1)' },
  'work-dir': {
    type: 'string',
    arg: 'DIR',
    help: 'where builds run and downloads are cached (default: ./lupine-worker)',
  },
  name: { type: 'string', arg: 'NAME', help: "this worker's name in progress and status (default: host:pid)" },
  'lock-ms': {
    type: 'string',
    arg: 'MS',
    help: "a job's lock lifetime; a dead worker's job is taken over after it (default 30000)",
  },
  insecure: { type: 'boolean', help: 'allow plain HTTP to a non-loopback store' },
  'allow-host-runner': {
    type: 'boolean',
    help: 'build recipes that ask for the host runner (no sandbox): only when you\ntrust everyone who can write to this Redis',
  },
} as const;

function positive(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^[1-9]\d*$/.test(value)) {
    throw new LupineError('USAGE', `distro worker: ${flag} wants a positive number, not '${value}'`, {
      hint: "see 'lupine distro worker --help'",
    });
  }
  return Number(value);
}

function eventText(e: WorkerEvent): string {
  switch (e.type) {
    case 'take':
      return `take   ${e.name} (${e.identity.slice(0, 12)}, attempt ${e.attempt})`;
    case 'cached':
      return `stored ${e.name}: already in the store`;
    case 'built':
      return `built  ${e.name}: ${e.packages.join(', ')} (pushed; ${e.ms} ms)`;
    case 'fail':
      return `FAILED ${e.name}: ${e.error}${e.retry ? ' (will be retried)' : ''}`;
    case 'error':
      return `error: ${e.error}`;
  }
}

export const distroWorkerCommand: Command = {
  path: ['distro', 'worker'],
  summary: 'build recipe jobs from a Redis queue, with an OCI registry as the artifact store',
  help: commandHelp(HELP, options),
  options: options,
  async run(argv, io) {
    const { values, positionals } = parse(argv, options, 'distro worker');
    requireCount(positionals, 0, 0, 'distro worker', 'no positional arguments');
    const redisUrl = redisUrlOf(values.redis, io.env);
    const store = openStore(values.store, io, values.insecure ?? false, 'distro worker');
    const name = values.name ?? `${hostname()}:${process.pid}`;
    const worker = await startWorker({
      redisUrl,
      store,
      workDir: resolve(io.cwd, values['work-dir'] ?? 'lupine-worker'),
      concurrency: positive(values.concurrency, '--concurrency', 1),
      lockMs: positive(values['lock-ms'], '--lock-ms', 30_000),
      name,
      allowHostRunner: values['allow-host-runner'] ?? false,
      // Events carry text from Redis (names, the job's store, reasons): shown, never sent raw.
      onEvent: (e) => io.stderr.write(`${termSafe(eventText(e))}\n`),
    });
    io.stderr.write(`worker ${name}: waiting for jobs on ${redactRedisUrl(redisUrl)}, store ${store.where}\n`);
    await new Promise<void>((done) => {
      if (io.signal?.aborted) done();
      io.signal?.addEventListener('abort', () => done(), { once: true });
      process.once('SIGTERM', () => done());
    });
    io.stderr.write(`worker ${name}: stopping (running builds finish first)\n`);
    await worker.close();
    return EXIT_OK;
  },
};
