import { basename } from 'node:path';
import { renderDot, resolveImage } from '../../../image/index.js';
import type { Command } from '../../command.js';
import { EXIT_ERROR, EXIT_OK } from '../../render.js';
import { configCommand, RESOLVE_OPTIONS } from './common.js';

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

const spec = {
  path: ['image', 'dot'],
  summary: "print an apko config's resolved dependency graph for graphviz",
  help: HELP,
};

export const imageDotCommand: Command = configCommand(spec, options, async (input, io) => {
  const [r] = (await resolveImage(input.loaded.config, input.archs.slice(0, 1), input.src)).archs;
  if (!r) return EXIT_ERROR;
  const spanningTree = input.values['spanning-tree'] === true;
  const graph = renderDot(
    basename(input.configPath),
    r.world,
    r.packages.map((p) => p.info),
    { spanningTree },
  );
  io.stdout.write(graph);
  return EXIT_OK;
});
