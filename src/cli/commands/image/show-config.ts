import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { loadImageConfig, renderDiagnostics, showConfig } from '../../../image/index.js';
import { commandHelp, parse, requireCount } from '../../args.js';
import type { Command } from '../../command.js';
import { EXIT_ERROR, EXIT_OK } from '../../render.js';
import { relativeDiagnostics } from '../common/host.js';

const HELP = `Usage: lupine image show-config CONFIG [--lenient] [--json] [--include-path DIR]...

Reads an apko image configuration (YAML or JSON), follows its include, merges it as apko does
(the including file wins; package, repository, path, user and group lists concatenate) and
prints the resolved config: apko's defaults applied (PATH and SSL_CERT_FILE, user gid, shell and
home, path modes), archs as apk names, keys in a fixed order.

Parsing is strict, like apko: an unknown key is an error. Every problem is reported at once as
FILE:LINE:COL: error[CODE]: message, with a hint; then the exit code is 3.

An include is looked up in the including file's directory, then in each parent directory, then
in each --include-path.
`;

const options = {
  lenient: { type: 'boolean', help: 'report unknown keys as warnings and carry on' },
  json: { type: 'boolean', help: 'print JSON instead of YAML' },
  'include-path': { type: 'string', multiple: true, arg: 'DIR', help: 'also look for includes in DIR (repeatable)' },
} as const;

export const imageShowConfigCommand: Command = {
  path: ['image', 'show-config'],
  summary: 'print an apko config merged with its includes and resolved, or every problem in it',
  help: commandHelp(HELP, options),
  options: options,
  async run(argv, io) {
    const { values, positionals } = parse(argv, options, 'image show-config');
    requireCount(positionals, 1, 1, 'image show-config', 'one CONFIG file');
    const file = resolve(io.cwd, positionals[0] as string);
    const loaded = await loadImageConfig(file, {
      lenient: values.lenient === true,
      readFile: (p) => readFile(p),
      includePaths: (values['include-path'] ?? []).map((p) => resolve(io.cwd, p)),
    });
    io.stderr.write(renderDiagnostics(relativeDiagnostics(loaded.diagnostics, io.cwd)));
    if (!loaded.config) return EXIT_ERROR;
    io.stdout.write(showConfig(loaded.config, { format: values.json ? 'json' : 'yaml' }));
    return EXIT_OK;
  },
};
