import { resolve } from 'node:path';
import { writeFileAtomic } from '../../core/index.js';
import {
  defaultAdvisorySources,
  findingsAtOrAbove,
  parseSeverity,
  reportJson,
  reportOpenVex,
  reportSarif,
  reportTable,
  type ScanDistro,
  scanInput,
  scanReport,
} from '../../scan/index.js';
import { parse, requireCount } from '../args.js';
import type { Command } from '../command.js';
import type { CliIo } from '../io.js';
import { EXIT_FAIL, EXIT_OK } from '../render.js';
import { openAdvisories, readTarget, stderrLogger, TOOL_VERSION, usage } from './scan-context.js';
import { wallOrEpochClock } from './wall-clock.js';

const HELP = `Usage: lupine scan TARGET [--db SOURCE]... [options]

Finds known vulnerabilities in the APK packages of TARGET:
  an OCI image layout directory, an oci-archive or docker-archive file, an image reference
  (host/repo:tag, pulled), a root directory (lib/apk/db/installed), an SBOM (SPDX or CycloneDX
  JSON), or an .apk.

Packages are matched by their own name and by their origin, in APK version order, against the
advisories of the distro os-release names (wolfi, chainguard, lupine; Alpine by branch).
Advisories listed as not affected ("0" in a secdb, false positives) never show.

Advisory sources (--db, repeatable): a secdb JSON (security.json), OSV JSON (a record, a list, an
all.json index, v3 component records), Wolfi advisories YAML, a directory or .tar.gz of them, or an
http(s) URL (fetched once and cached; --offline reads only the cache). Without --db, the distro's
public secdb is used: packages.wolfi.dev/os/security.json for wolfi, packages.cgr.dev's for
chainguard, secdb.alpinelinux.org/<branch>/{main,community}.json for alpine.

Options:
  --db SOURCE          advisory source (repeatable)
  --format FORMAT      table (default), json, sarif (2.1.0) or openvex (0.2.0)
  -o, --output FILE    write the report to FILE instead of standard output
  --only-fixed         show only findings that have a fix
  --ignore ID          leave out this vulnerability (or an alias of it); repeatable, or comma-separated
  --fail-on SEVERITY   exit 1 when a finding at or above SEVERITY remains
                       (negligible, low, medium, high, critical)
  --arch ARCH          scan only the image of this architecture
  --distro ID[:VER]    match as this distro instead of what the target says (e.g. wolfi, alpine:3.19)
  --cache-dir DIR      where downloaded advisories are kept (default: $LUPINE_CACHE_DIR,
                       else $XDG_CACHE_HOME/lupine, else ~/.cache/lupine)
  --offline            use only cached advisory downloads
  --insecure           allow plain HTTP to a non-loopback registry
  -h, --help           show this help

Exit status: 0 done, 1 findings at or above --fail-on, 2 usage, 3 error.
`;

const options = {
  db: { type: 'string', multiple: true },
  format: { type: 'string' },
  output: { type: 'string', short: 'o' },
  'only-fixed': { type: 'boolean' },
  ignore: { type: 'string', multiple: true },
  'fail-on': { type: 'string' },
  arch: { type: 'string' },
  distro: { type: 'string' },
  'cache-dir': { type: 'string' },
  offline: { type: 'boolean' },
  insecure: { type: 'boolean' },
} as const;

const FORMATS = ['table', 'json', 'sarif', 'openvex'] as const;
type Format = (typeof FORMATS)[number];

function parseDistro(text: string): ScanDistro {
  const [id, versionId] = text.split(':', 2);
  if (!id) throw usage('scan', `--distro '${text}' names no distro`);
  return { id: id.toLowerCase(), versionId: versionId ?? '' };
}

async function run(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(argv, options, 'scan');
  requireCount(positionals, 1, 1, 'scan', 'one TARGET');
  const target = positionals[0] as string;
  const format = (values.format ?? 'table') as Format;
  if (!FORMATS.includes(format)) throw usage('scan', `--format must be one of ${FORMATS.join(', ')}`);
  const failOn = values['fail-on'] === undefined ? undefined : parseSeverity(values['fail-on']);
  if (values['fail-on'] !== undefined && (failOn === undefined || failOn === 'Unknown')) {
    throw usage('scan', '--fail-on must be negligible, low, medium, high or critical');
  }
  const ignore = (values.ignore ?? [])
    .flatMap((s) => s.split(','))
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const logger = stderrLogger(io);
  const scanned = await readTarget(target, io, { arch: values.arch, insecure: values.insecure });
  const input = scanInput(scanned);
  if (input.packages.length === 0) logger.warn(`${target}: no APK packages found (no installed database)`);
  const distro = values.distro ? parseDistro(values.distro) : input.distro;
  const dbs = values.db ?? defaultAdvisorySources(distro);
  if (dbs.length === 0) {
    throw usage('scan', `no advisory source known for the distro '${distro.id}'; name one with --db`);
  }
  const advisories = await openAdvisories(dbs, io, {
    command: 'scan',
    cacheDir: values['cache-dir'],
    offline: values.offline ?? false,
    logger,
  });
  const report = scanReport(input, advisories, {
    target,
    targetKind: scanned.kind,
    distro,
    filter: { onlyFixed: values['only-fixed'] ?? false, ignore },
    created: wallOrEpochClock(io).now(),
    toolVersion: TOOL_VERSION,
  });
  const text =
    format === 'json'
      ? reportJson(report)
      : format === 'sarif'
        ? reportSarif(report)
        : format === 'openvex'
          ? reportOpenVex(report)
          : reportTable(report);
  if (values.output) await writeFileAtomic(resolve(io.cwd, values.output), text);
  else io.stdout.write(text);
  if (failOn && findingsAtOrAbove(report.findings, failOn).length > 0) {
    const n = findingsAtOrAbove(report.findings, failOn).length;
    io.stderr.write(`lupine: ${n} finding${n === 1 ? '' : 's'} at or above ${failOn}\n`);
    return EXIT_FAIL;
  }
  return EXIT_OK;
}

export const scanCommand: Command = {
  path: ['scan'],
  summary: 'find known vulnerabilities in an image, root, SBOM or package',
  help: HELP,
  run,
};
