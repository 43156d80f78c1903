import { resolve } from 'node:path';
import { LupineError } from '../../../core/index.js';
import { testRecipe } from '../../../pkg/index.js';
import { commandHelp, parse, requireCount, withHelp } from '../../args.js';
import type { Command } from '../../command.js';
import { EXIT_OK } from '../../render.js';
import { setOnly } from '../common/set-only.js';
import { GUEST_OPTIONS, guestInputs, JSON_OPTION, parseArchs } from './common.js';

const HELP = `Usage: lupine pkg test [CONFIG] [options]

Runs the test: blocks of a melange recipe (default: melange.yaml) against its built packages:
each block (the main package's, then each subpackage's) in a fresh bubblewrap guest holding
only the package under test (pinned to the recipe's version), the test's environment and the
packages its steps need, resolved against OUT-DIR first and then the repositories. The exit
code is 0 when every step passed, and also when the recipe has no tests.
`;

const options = {
  ...withHelp(GUEST_OPTIONS, {
    runner: 'bubblewrap (the default and the only runner tests take)',
    'out-dir': 'where the built packages are (default ./packages)',
    'repository-append': 'repository for the test guests (repeatable)',
    'cache-dir': 'mounted read-write at /var/cache/melange',
    'package-cache-dir': "lupine's cache of fetched and expanded guest packages",
    'no-network': 'cut the network for the steps',
  }),
  'test-package-append': {
    type: 'string',
    multiple: true,
    arg: 'PKG',
    help: 'extra package for every test guest (repeatable)',
  },
  ...JSON_OPTION,
} as const;

export const pkgTestCommand: Command = {
  path: ['pkg', 'test'],
  summary: "run a melange recipe's test blocks against its built packages, each in a fresh guest",
  help: commandHelp(HELP, options),
  options: options,
  async run(argv, io) {
    const { values: v, positionals } = parse(argv, options, 'pkg test');
    requireCount(positionals, 0, 1, 'pkg test', 'at most one CONFIG file');
    if (v.runner !== undefined && v.runner !== 'bubblewrap') {
      throw new LupineError('USAGE', `pkg test: tests run with the bubblewrap runner only, not '${v.runner}'`);
    }
    const file = resolve(io.cwd, positionals[0] ?? 'melange.yaml');
    const guest = guestInputs(v, io);
    const summary = [];
    for (const arch of parseArchs(v.arch, 'pkg test')) {
      const r = await testRecipe(file, {
        ...guest,
        arch,
        packageAppend: v['test-package-append'] ?? [],
      });
      summary.push({ arch, ...setOnly({ skipped: r.skipped }), tests: r.tests });
    }
    if (v.json) io.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    else
      for (const s of summary)
        for (const t of s.tests) io.stdout.write(`ok ${t.package} (${s.arch}): ${t.steps} steps\n`);
    return EXIT_OK;
  },
};
