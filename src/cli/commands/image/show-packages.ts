import {
  compilePackageFormat,
  DEFAULT_SHOW_PACKAGES_FORMAT,
  imageArchs,
  loadImageKeyring,
  resolveImageArch,
  SHOW_PACKAGES_FORMATS,
  type ShownPackage,
  showPackages,
} from '../../../image/index.js';
import { commandHelp, parse, requireCount } from '../../args.js';
import type { Command } from '../../command.js';
import { EXIT_ERROR, EXIT_OK } from '../../render.js';
import { loadConfigForCli, RESOLVE_OPTIONS, sourceOptions } from './common.js';

const formats = Object.entries(SHOW_PACKAGES_FORMATS)
  .map(([k, v]) => `  ${k.padEnd(23)}${v}`)
  .join('\n');

const HELP = `Usage: lupine image show-packages CONFIG [--arch A]... [--format FORMAT] [options]

Resolves CONFIG's packages as a build would, without installing anything, and prints one line
per package, arch after arch, in install order.

--format takes one of apko's named formats or a template with {{ .Name }}, {{ .Version }},
{{ .Source }} (the package URL) and {{ .Arch }}:
${formats}
The default is ${DEFAULT_SHOW_PACKAGES_FORMAT}.
`;

const options = {
  format: { type: 'string', arg: 'FORMAT', help: 'a format name or template (see above)' },
  ...RESOLVE_OPTIONS,
} as const;

export const imageShowPackagesCommand: Command = {
  path: ['image', 'show-packages'],
  summary: 'print the packages and versions an apko config resolves to',
  help: commandHelp(HELP, options),
  options: options,
  async run(argv, io) {
    const { values, positionals } = parse(argv, options, 'image show-packages');
    requireCount(positionals, 1, 1, 'image show-packages', 'one CONFIG file');
    const format = values.format ?? DEFAULT_SHOW_PACKAGES_FORMAT;
    compilePackageFormat(format); // a bad template fails before any resolving
    const loaded = await loadConfigForCli(positionals[0] as string, io, values);
    if (!loaded) return EXIT_ERROR;
    const archs = imageArchs(loaded.config, values.arch, 'image show-packages');
    const src = await sourceOptions(values, io);
    const keyring = await loadImageKeyring(loaded.config, src);
    const shown: ShownPackage[] = [];
    for (const arch of archs) {
      const r = await resolveImageArch(loaded.config, arch, keyring, src);
      for (const p of r.packages) {
        shown.push({ name: p.info.name, version: p.info.version, source: p.url, arch: p.info.arch || arch });
      }
    }
    io.stdout.write(showPackages(shown, format));
    return EXIT_OK;
  },
};
