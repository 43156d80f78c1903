import { basename, dirname, extname, join, resolve } from 'node:path';
import { writeFileAtomic } from '../../../core/index.js';
import { formatLock, lockImage } from '../../../image/index.js';
import type { Command } from '../../command.js';
import { EXIT_OK } from '../../render.js';
import { configCommand, RESOLVE_OPTIONS } from './common.js';

const HELP = `Usage: lupine image lock CONFIG [--output FILE] [--arch A]... [options]

Resolves CONFIG's packages for every arch and writes an apko-compatible lock file
(apko.lock.json format: the config checksum over the config and its includes, the keyring with
each key's PEM, the repositories per arch, and per arch the packages in install order with the
byte ranges and checksums of their signature, control and data members). 'lupine image build
--lockfile FILE' then installs exactly that and fails when the config no longer matches it.

The output defaults to CONFIG with its extension replaced by .lock.json, as apko does.
Relative keyring and repository paths are read from the working directory and written as given.
`;

const options = {
  output: {
    type: 'string',
    short: 'o',
    arg: 'FILE',
    help: 'where to write the lock (default: <config-stem>.lock.json)',
  },
  ...RESOLVE_OPTIONS,
} as const;

const spec = {
  path: ['image', 'lock'],
  summary: 'resolve an apko config and write an apko.lock.json-compatible lock file',
  help: HELP,
};

export const imageLockCommand: Command = configCommand(
  spec,
  options,
  async ({ archs, configPath, values, loaded, src }, io) => {
    const lock = await lockImage(loaded, { ...src, configName: configPath, archs });
    const output = values.output ?? join(dirname(configPath), `${basename(configPath, extname(configPath))}.lock.json`);
    const target = resolve(io.cwd, output);
    await writeFileAtomic(target, formatLock(lock));
    io.stderr.write(`wrote ${output}: ${lock.contents.packages.length} packages for ${archs.join(', ')}\n`);
    return EXIT_OK;
  },
);
