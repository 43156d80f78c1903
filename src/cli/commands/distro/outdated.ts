import { resolve } from 'node:path';
import { selectArch } from '../../../apk/index.js';
import { outdatedRecipe, systemApt } from '../../../pkg/index.js';
import { commandHelp, parse, requireCount } from '../../args.js';
import type { Command } from '../../command.js';
import { EXIT_OK } from '../../render.js';
import { compileTree } from './common.js';

const HELP = `Usage: lupine distro outdated [DIR] [--arch ARCH]

Lists the recipes of the tree DIR (default: distro) whose Debian source package
(vars.debian-source) has a newer upstream release in the suites apt is configured with:
one line per recipe, "NAME VERSION -> NEWER (Debian VERSION)". Pre-releases are not offered.
Recipes naming no Debian source are not checked. Exit status 0 either way.
`;

const options = {
  arch: { type: 'string', arg: 'ARCH', help: "compile the recipes for ARCH (default: this machine's)" },
} as const;

export const distroOutdatedCommand: Command = {
  path: ['distro', 'outdated'],
  summary: 'list recipes whose upstream has a newer release in the configured Debian suites',
  help: commandHelp(HELP, options),
  options: options,
  async run(argv, io) {
    const { values, positionals } = parse(argv, options, 'distro outdated');
    requireCount(positionals, 0, 1, 'distro outdated', 'at most one DIR');
    const warn = (l: string) => io.stderr.write(`${l}\n`);
    const recipes = await compileTree(
      resolve(io.cwd, positionals[0] ?? 'distro'),
      selectArch({ requested: values.arch, otherwise: 'host', command: 'distro outdated' }),
      [],
      warn,
    );
    const apt = systemApt(io.env.APT_CONFIG ? { aptConfig: io.env.APT_CONFIG } : {});
    let n = 0;
    for (const r of recipes) {
      const o = await outdatedRecipe(r, apt);
      if (!o) continue;
      n++;
      io.stdout.write(`${o.recipe} ${o.version} -> ${o.newest} (Debian ${o.debianVersion})\n`);
    }
    io.stderr.write(`lupine distro outdated: ${n} of ${recipes.length} recipes have a newer upstream release\n`);
    return EXIT_OK;
  },
};
