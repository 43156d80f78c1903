import { resolve } from 'node:path';
import { selectArch } from '../../../apk/index.js';
import { buildGraph, loadDistroTree, renderGraphDot, renderOrder } from '../../../distro/index.js';
import { commandHelp, parse, requireCount } from '../../args.js';
import type { Command } from '../../command.js';
import { EXIT_OK } from '../../render.js';

const HELP = `Usage: lupine distro graph [DIR] [--dot] [--arch ARCH]

Reads the recipe tree DIR (default: distro) — every *.yaml in it is a melange recipe — and prints
the order \`lupine distro build\` builds it in: one line per recipe, after everything it needs,
with the recipes it needs after '<-'. Stage-0 recipes (built with the host runner) are marked.

An edge comes from a package a recipe needs to build (environment packages, steps' needs), to
test (test environments and needs) or at run time (dependencies.runtime); package, subpackage
and provides names lead to the recipe that makes them. A name no recipe makes is an error,
except virtual names (so:, cmd:, pc:), which SCA finds in the stage-0 packages. A cycle is an
error that names it.
`;

const options = {
  dot: { type: 'boolean', help: 'print a graphviz digraph instead' },
  arch: { type: 'string', arg: 'ARCH', help: "compile the recipes for ARCH (default: this machine's)" },
} as const;

export const distroGraphCommand: Command = {
  path: ['distro', 'graph'],
  summary: 'print the build order of a recipe tree (or its graphviz graph)',
  help: commandHelp(HELP, options),
  options: options,
  async run(argv, io) {
    const { values, positionals } = parse(argv, options, 'distro graph');
    requireCount(positionals, 0, 1, 'distro graph', 'at most one DIR');
    const tree = await loadDistroTree(resolve(io.cwd, positionals[0] ?? 'distro'), {
      arch: selectArch({ requested: values.arch, otherwise: 'host', command: 'distro graph' }),
    });
    const graph = buildGraph(tree.nodes);
    io.stdout.write(values.dot ? renderGraphDot(graph) : renderOrder(graph));
    return EXIT_OK;
  },
};
