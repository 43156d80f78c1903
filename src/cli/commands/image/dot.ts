import { basename } from 'node:path';
import { imageArchs, loadImageKeyring, renderDot, resolveImageArch } from '../../../image/index.js';
import { commandHelp, parse, requireCount } from '../../args.js';
import type { Command } from '../../command.js';
import { EXIT_ERROR, EXIT_OK } from '../../render.js';
import { loadConfigForCli, RESOLVE_OPTIONS, sourceOptions } from './common.js';

const HELP = `Usage: lupine image dot CONFIG [--arch A] [-S] [options]

Resolves CONFIG's packages and prints the dependency graph in graphviz form: the config points
at each requested package, each package (labelled name-version) at what it depends on, and a
provided name something depends on (so:, cmd:, a virtual) at its provider, drawn as a box.
Only the first arch is drawn (as apko does). Render it with e.g. 'dot -Tsvg > graph.svg'.
`;

const options = {
  'spanning-tree': { type: 'boolean', short: 'S', help: 'draw an edge to each name only once' },
  ...RESOLVE_OPTIONS,
} as const;

export const imageDotCommand: Command = {
  path: ['image', 'dot'],
  summary: "print an apko config's resolved dependency graph for graphviz",
  help: commandHelp(HELP, options),
  options: options,
  async run(argv, io) {
    const { values, positionals } = parse(argv, options, 'image dot');
    requireCount(positionals, 1, 1, 'image dot', 'one CONFIG file');
    const configPath = positionals[0] as string;
    const loaded = await loadConfigForCli(configPath, io, values);
    if (!loaded) return EXIT_ERROR;
    const [arch] = imageArchs(loaded.config, values.arch, 'image dot');
    if (!arch) return EXIT_ERROR;
    const src = await sourceOptions(values, io);
    const keyring = await loadImageKeyring(loaded.config, src);
    const r = await resolveImageArch(loaded.config, arch, keyring, src);
    io.stdout.write(
      renderDot(
        basename(configPath),
        r.world,
        r.packages.map((p) => p.info),
        { spanningTree: values['spanning-tree'] === true },
      ),
    );
    return EXIT_OK;
  },
};
