import {
  compilePackageFormat,
  DEFAULT_SHOW_PACKAGES_FORMAT,
  resolveImage,
  SHOW_PACKAGES_FORMATS,
  type ShownPackage,
  showPackages,
} from '../../../image/index.js';
import type { Command } from '../../command.js';
import { EXIT_OK } from '../../render.js';
import { configCommand, RESOLVE_OPTIONS } from './common.js';

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

const spec = {
  path: ['image', 'show-packages'],
  summary: 'print the packages and versions an apko config resolves to',
  help: HELP,
};

export const imageShowPackagesCommand: Command = configCommand(
  spec,
  options,
  async (input, io) => {
    const shown: ShownPackage[] = [];
    for (const r of (await resolveImage(input.loaded.config, input.archs, input.src)).archs) {
      for (const p of r.packages) {
        shown.push({ name: p.info.name, version: p.info.version, source: p.url, arch: p.info.arch || r.arch });
      }
    }
    io.stdout.write(showPackages(shown, input.values.format ?? DEFAULT_SHOW_PACKAGES_FORMAT));
    return EXIT_OK;
  },
  // A bad template fails before anything is read.
  (values) => compilePackageFormat(values.format ?? DEFAULT_SHOW_PACKAGES_FORMAT),
);
