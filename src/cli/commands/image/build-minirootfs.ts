import { join, resolve } from 'node:path';
import { selectArch } from '../../../apk/index.js';
import { userTempDir, writeFileAtomic } from '../../../core/index.js';
import {
  type ApkArch,
  assembleRoot,
  buildRepositoryText,
  imageCredentials,
  loadImageKeys,
  runtimeRepositoryText,
  scanRoot,
  sweepStaleRoots,
  writeLayerTar,
} from '../../../image/index.js';
import { defaultFetcher, RepoCache } from '../../../repo/index.js';
import { commandHelp, parse, requireCount, withHelp } from '../../args.js';
import type { Command } from '../../command.js';
import { EXIT_ERROR, EXIT_OK } from '../../render.js';
import { setOnly } from '../common/set-only.js';
import { sourceDateClock } from '../common/wall-clock.js';
import { stderrLogger } from '../scan/context.js';
import { CONFIG_SOURCE_OPTIONS, loadConfigForCli } from './common.js';

const HELP = `Usage: lupine image build-minirootfs CONFIG OUT.tar [--arch A] [options]

Assembles CONFIG's root filesystem for one arch (default: this machine's) exactly as 'lupine image
build' lays it out, and writes it as one deterministic, uncompressed tar: lexical order, no root
entry, the owners, modes and times the image layer has — the same bytes as a single-layer image's
layer before compression. Nothing is written when anything fails.
`;

const options = {
  arch: { type: 'string', arg: 'A', help: "the arch (OCI or apk name; default the host's)" },
  'build-arch': { type: 'string', arg: 'A', help: "the same as --arch (apko's older name)" },
  ...withHelp(CONFIG_SOURCE_OPTIONS, {
    'cache-dir': 'cache packages and indexes here',
  }),
} as const;

export const imageBuildMinirootfsCommand: Command = {
  path: ['image', 'build-minirootfs'],
  summary: "write an apko config's root filesystem for one arch as a deterministic tar",
  help: commandHelp(HELP, options),
  options: options,
  async run(argv, io) {
    const { values, positionals } = parse(argv, options, 'image build-minirootfs');
    requireCount(positionals, 2, 2, 'image build-minirootfs', 'CONFIG and OUT.tar');
    const [configPath, outPath] = positionals as [string, string];
    const arch = selectArch({
      requested: values.arch ?? values['build-arch'],
      otherwise: 'host',
      command: 'image build-minirootfs',
    }) as ApkArch;
    const loaded = await loadConfigForCli(configPath, io, values);
    if (!loaded) return EXIT_ERROR;
    const config = loaded.config;
    const append = values['repository-append'] ?? [];
    const fetcher = defaultFetcher({
      env: io.env,
      credentials: imageCredentials(config, [...append, ...(values['keyring-append'] ?? [])]),
    });
    const cacheDir = values['cache-dir'] ? resolve(io.cwd, values['cache-dir']) : undefined;
    const cache = cacheDir ? await RepoCache.open(join(cacheDir, 'apk')) : undefined;
    const clock = sourceDateClock(io);
    const keys = await loadImageKeys(config, values['keyring-append'] ?? [], io.cwd, fetcher);
    await sweepStaleRoots(await userTempDir(), stderrLogger(io));
    const root = await assembleRoot(config, arch, {
      packages: [
        ...config.contents.packages.map((p) => p.raw),
        ...(values['package-append'] ?? []),
        ...(config.entrypoint.type === 'service-bundle' ? ['s6'] : []),
      ],
      keys,
      buildRepositories: buildRepositoryText(config, append, io.cwd),
      runtimeRepositories: runtimeRepositoryText(config, append),
      fetcher,
      ...setOnly({ cache, offline: values.offline, clock }),
    });
    const out = resolve(io.cwd, outPath);
    try {
      const { tar } = await writeLayerTar(root.rootDir, await scanRoot(root.rootDir, root.scan));
      await writeFileAtomic(out, tar);
    } finally {
      await root.remove();
    }
    io.stderr.write(`wrote ${outPath}: ${arch}, ${root.packages.length} packages\n`);
    return EXIT_OK;
  },
};
