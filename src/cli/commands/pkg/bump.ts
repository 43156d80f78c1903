import { resolve } from 'node:path';
import { bumpRecipeFile } from '../../../pkg/index.js';
import { commandHelp, parse, requireCount } from '../../args.js';
import type { Command } from '../../command.js';
import { EXIT_OK } from '../../render.js';
import { setOnly } from '../common/set-only.js';

const HELP = `Usage: lupine pkg bump CONFIG VERSION [--expected-commit SHA] [--expected-sha256 HEX]
                      [--expected-sha512 HEX]

Sets package.version to VERSION and package.epoch to 0 in the recipe, editing the file in
place: only those values change, comments and formatting stay as they are, and the file is
replaced atomically.

git-checkout steps whose tag or branch uses a variable pin the old commit in expected-commit,
and fetch steps whose uri uses a variable pin the old archive's checksum. They are updated only
when the new value is given; otherwise each one is listed with its line number so that you can
update it.
`;

const options = {
  'expected-commit': {
    type: 'string',
    arg: 'SHA',
    help: 'new expected-commit for version-dependent git-checkout steps',
  },
  'expected-sha256': { type: 'string', arg: 'HEX', help: 'new expected-sha256 for version-dependent fetch steps' },
  'expected-sha512': { type: 'string', arg: 'HEX', help: 'new expected-sha512 for version-dependent fetch steps' },
} as const;

export const pkgBumpCommand: Command = {
  path: ['pkg', 'bump'],
  summary: 'set a melange recipe to a new version (epoch 0), keeping its formatting',
  help: commandHelp(HELP, options),
  options: options,
  async run(argv, io) {
    const { values, positionals } = parse(argv, options, 'pkg bump');
    requireCount(positionals, 2, 2, 'pkg bump', 'CONFIG and VERSION');
    const file = resolve(io.cwd, positionals[0] as string);
    const result = await bumpRecipeFile(
      file,
      positionals[1] as string,
      setOnly({
        expectedCommit: values['expected-commit'],
        expectedSha256: values['expected-sha256'],
        expectedSha512: values['expected-sha512'],
      }),
    );
    for (const note of result.notes) io.stderr.write(`${note}\n`);
    return EXIT_OK;
  },
};
