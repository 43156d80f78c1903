import { resolve } from 'node:path';
import { obj, readInputFile, renderDiagnostics } from '../../../core/index.js';
import { parseRecipe } from '../../../pkg/index.js';
import { commandHelp, parse, requireCount } from '../../args.js';
import type { Command } from '../../command.js';
import { EXIT_ERROR, EXIT_OK } from '../../render.js';
import { relativeDiagnostics } from '../common/host.js';

const HELP = `Usage: lupine pkg package-version [CONFIG] [--lenient]

Prints the recipe's package as NAME-VERSION-rEPOCH (melange package-version), e.g.
curl-8.21.0-r2: the file name of the main package's apk without .apk.
`;

const options = { lenient: { type: 'boolean', help: 'report unknown keys as warnings and carry on' } } as const;

export const pkgPackageVersionCommand: Command = {
  path: ['pkg', 'package-version'],
  summary: "print a melange recipe's name-version-rN",
  help: commandHelp(HELP, options),
  options: options,
  async run(argv, io) {
    const { values, positionals } = parse(argv, options, 'pkg package-version');
    requireCount(positionals, 0, 1, 'pkg package-version', 'at most one CONFIG file');
    const file = resolve(io.cwd, positionals[0] ?? 'melange.yaml');
    const text = await readInputFile(file, 'recipe', 'utf8');
    const parsed = parseRecipe(text, { file, lenient: values.lenient === true });
    io.stderr.write(renderDiagnostics(relativeDiagnostics(parsed.diagnostics, io.cwd)));
    if (!parsed.source || parsed.diagnostics.some((d) => d.severity === 'error')) return EXIT_ERROR;
    const pkg = obj(parsed.source.doc.package);
    const epoch = typeof pkg.epoch === 'number' ? pkg.epoch : 0;
    io.stdout.write(`${String(pkg.name)}-${String(pkg.version)}-r${epoch}\n`);
    return EXIT_OK;
  },
};
