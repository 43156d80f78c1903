import { resolve } from 'node:path';
import { selectArch } from '../../../apk/index.js';
import { LupineError, renderDiagnostics } from '../../../core/index.js';
import {
  BUILTIN_PIPELINE_DIR,
  compiledToJson,
  compiledToYaml,
  compileLoadedRecipe,
  loadRecipe,
} from '../../../pkg/index.js';
import { commandHelp, parse, requireCount } from '../../args.js';
import type { Command } from '../../command.js';
import { EXIT_ERROR, EXIT_OK } from '../../render.js';
import { relativeDiagnostics } from '../common/host.js';
import { setPaths } from '../common/set-only.js';

const HELP = `Usage: lupine pkg compile [CONFIG] [--arch ARCH] [--pipeline-dir DIR]... [--build-option NAME]...
                         [--vars-file FILE] [--env-file FILE] [--lenient] [--json]

Reads a melange recipe (default: melange.yaml) and prints it fully compiled for one
architecture: the input a build runs. Variables are substituted in melange's two phases,
var-transforms and build options applied, range subpackages expanded, if: conditions evaluated,
every uses: pipeline inlined with its inputs checked (required, defaults, unknown), and the
needs of the steps that run merged into the build and test environments.

Parsing is strict, like melange: an unknown key or variable is an error. Every problem is
reported at once as FILE:LINE:COL: error[CODE]: message, with a hint; then the exit code is 3.

uses: NAME is looked up as NAME.yaml in each --pipeline-dir in order, then in lupine's
built-in pipelines.
`;

const options = {
  arch: { type: 'string', arg: 'ARCH', help: "apk architecture to compile for (default: this machine's)" },
  'pipeline-dir': { type: 'string', multiple: true, arg: 'DIR', help: 'look for pipelines in DIR first (repeatable)' },
  'build-option': {
    type: 'string',
    multiple: true,
    arg: 'NAME',
    help: 'enable a build option of the recipe (repeatable)',
  },
  'vars-file': { type: 'string', arg: 'FILE', help: "YAML map of variables that override the recipe's vars" },
  'env-file': { type: 'string', arg: 'FILE', help: "KEY=value lines under the recipe's environment (the recipe wins)" },
  lenient: { type: 'boolean', help: 'report unknown keys (and invalid versions) as warnings and carry on' },
  json: { type: 'boolean', help: 'print JSON instead of YAML' },
} as const;

export const pkgCompileCommand: Command = {
  path: ['pkg', 'compile'],
  summary: 'print a melange recipe compiled for one architecture, or every problem in it',
  help: commandHelp(HELP, options),
  options: options,
  async run(argv, io) {
    const { values, positionals } = parse(argv, options, 'pkg compile');
    requireCount(positionals, 0, 1, 'pkg compile', 'at most one CONFIG file');
    const arch = selectArch({ requested: values.arch, otherwise: 'host', command: 'pkg compile' });
    const file = resolve(io.cwd, positionals[0] ?? 'melange.yaml');
    const loaded = await loadRecipe(file, {
      lenient: values.lenient === true,
      pipelineDirs: (values['pipeline-dir'] ?? []).map((d) => resolve(io.cwd, d)),
      buildOptions: values['build-option'] ?? [],
      ...setPaths(io.cwd, { varsFile: values['vars-file'], envFile: values['env-file'] }),
    });
    const result = compileLoadedRecipe(loaded, arch);
    io.stderr.write(renderDiagnostics(relativeDiagnostics(result.diagnostics, io.cwd)));
    if (result.skipped !== undefined) {
      throw new LupineError(
        'BUILD_CONFIG_ARCH_SKIPPED',
        `${positionals[0] ?? 'melange.yaml'} is not built for ${arch}`,
        {
          details: { arch },
          hint: `${result.skipped}; pass one of those to --arch`,
        },
      );
    }
    if (!result.recipe || result.diagnostics.some((d) => d.severity === 'error')) return EXIT_ERROR;
    const emit = { baseDir: io.cwd, builtinDir: BUILTIN_PIPELINE_DIR };
    io.stdout.write(values.json ? compiledToJson(result.recipe, emit) : compiledToYaml(result.recipe, emit));
    return EXIT_OK;
  },
};
