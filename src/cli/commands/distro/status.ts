import { clusterStatus, redisUrlOf, renderStatus } from '../../../cluster/index.js';
import { commandHelp, parse, requireCount } from '../../args.js';
import type { Command } from '../../command.js';
import { EXIT_OK } from '../../render.js';

const HELP = `Usage: lupine distro status --redis URL [--json]

Shows what the distributed build queue holds: recipes queued, running (and on which worker),
failed (with the first line of why), and how many completed.
`;

const options = {
  redis: {
    type: 'string',
    arg: 'URL',
    help: 'redis://[user:password@]host:port, rediss:// for TLS (default: $LUPINE_REDIS_URL)',
  },
  json: { type: 'boolean', help: 'print the status as JSON' },
} as const;

export const distroStatusCommand: Command = {
  path: ['distro', 'status'],
  summary: 'show the distributed build queue: queued, running (and where), failed',
  help: commandHelp(HELP, options),
  options: options,
  async run(argv, io) {
    const { values, positionals } = parse(argv, options, 'distro status');
    requireCount(positionals, 0, 0, 'distro status', 'no positional arguments');
    const s = await clusterStatus(redisUrlOf(values.redis, io.env));
    io.stdout.write(values.json ? `${JSON.stringify(s, null, 2)}\n` : renderStatus(s));
    return EXIT_OK;
  },
};
