import { resolve } from 'node:path';
import { LupineError, writeFileAtomic } from '../../../core/index.js';
import { stringifySbom, toCycloneDx, toSpdx } from '../../../sbom/index.js';
import { targetInventory } from '../../../scan/index.js';
import { commandHelp, parse, requireCount } from '../../args.js';
import type { Command } from '../../command.js';
import type { CliIo } from '../../io.js';
import { EXIT_OK } from '../../render.js';
import { wallOrEpochClock } from '../common/wall-clock.js';
import { readTarget, stderrLogger, TOOL_VERSION } from '../scan/context.js';

const HELP = `Usage: lupine sbom TARGET [--format spdx|cyclonedx] [-o FILE]

Writes an SBOM of TARGET's APK packages: an OCI image layout, an oci-archive or docker-archive,
an image reference (pulled), a root directory (lib/apk/db/installed and os-release), or an .apk.
Packages' own SBOMs (var/lib/db/sbom) are merged in as apko does. For an image with several
platforms the SBOM describes the index and its images (apko's sbom-index); --arch gives one
platform's SBOM with its packages.

The creation time is SOURCE_DATE_EPOCH when set, else now; everything else follows from the target,
so the same target gives the same bytes.
`;

const options = {
  format: { type: 'string', arg: 'FORMAT', help: 'spdx (SPDX 2.3 JSON, default) or cyclonedx (CycloneDX 1.6 JSON)' },
  output: { type: 'string', short: 'o', arg: 'FILE', help: 'write to FILE instead of standard output' },
  arch: { type: 'string', arg: 'ARCH', help: 'only the image of this architecture' },
  insecure: { type: 'boolean', help: 'allow plain HTTP to a non-loopback registry' },
} as const;

async function run(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(argv, options, 'sbom');
  requireCount(positionals, 1, 1, 'sbom', 'one TARGET');
  const target = positionals[0] as string;
  const format = values.format ?? 'spdx';
  if (format !== 'spdx' && format !== 'cyclonedx') {
    throw new LupineError('USAGE', 'sbom: --format must be spdx or cyclonedx', { hint: "see 'lupine sbom --help'" });
  }
  const scanned = await readTarget(target, io, { arch: values.arch, insecure: values.insecure });
  const inventory = targetInventory(scanned);
  if (!inventory) {
    throw new LupineError('SCAN_BAD_TARGET', `${target} is already an SBOM`, {
      details: { target },
      hint: 'name an image, a root directory or an .apk',
    });
  }
  const hasPackages =
    inventory.kind === 'package' ||
    (inventory.kind === 'image' ? inventory.packages.length > 0 : inventory.images.some((i) => i.packages.length > 0));
  if (!hasPackages) stderrLogger(io).warn(`${target}: no APK packages found (no installed database)`);
  const opts = { created: wallOrEpochClock(io).now(), toolName: 'lupine', toolVersion: TOOL_VERSION };
  const doc = format === 'spdx' ? toSpdx(inventory, opts) : toCycloneDx(inventory, opts);
  const text = stringifySbom(doc);
  if (values.output) await writeFileAtomic(resolve(io.cwd, values.output), text);
  else io.stdout.write(text);
  return EXIT_OK;
}

export const sbomCommand: Command = {
  path: ['sbom'],
  summary: 'write an SPDX or CycloneDX SBOM of an image, root or package',
  help: commandHelp(HELP, options),
  options: options,
  run,
};
