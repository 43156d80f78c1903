import { resolve } from 'node:path';
import { termSafe, writeFileAtomic } from '../../../core/index.js';
import {
  defaultAdvisorySources,
  findingsAtOrAbove,
  parseSeverity,
  reportJson,
  reportOpenVex,
  reportSarif,
  reportTable,
  type ScanDistro,
  type ScanInput,
  type ScanReport,
  type ScanTarget,
  scanInput,
  scanReport,
} from '../../../scan/index.js';
import { commandHelp, parse, requireCount } from '../../args.js';
import type { Command } from '../../command.js';
import type { CliIo } from '../../io.js';
import { EXIT_FAIL, EXIT_NOT_SCANNED, EXIT_OK } from '../../render.js';
import { wallOrEpochClock } from '../common/wall-clock.js';
import { openAdvisories, readTarget, stderrLogger, TOOL_VERSION, usage } from './context.js';

const HELP = `Usage: lupine scan TARGET... [--db SOURCE]... [options]

Finds known vulnerabilities in the packages of each TARGET (APK, and dpkg: var/lib/dpkg/status or
distroless status.d/): an OCI image layout directory, an oci-archive or docker-archive file, an
image reference (host/repo:tag, pulled), a root directory, an SBOM (SPDX or CycloneDX JSON), or an
.apk. Several targets share one load of the advisory sources.

A target whose packages cannot be read, or whose distro (os-release) no loaded source covers, is
never reported clean: it says "not scanned: no data for debian 12" and the exit status is 4.

Packages are matched by their own name and by their origin (dpkg: source package), in their own
version order (APK; Debian's for dpkg), against the advisories of the distro os-release names
(wolfi, chainguard, lupine; Alpine by branch; Debian and Ubuntu by release).
Advisories listed as not affected ("0" in a secdb, false positives) never show.

Advisory sources (--db, repeatable): a secdb JSON (security.json), OSV JSON (a record, a list, an
all.json index, v3 component records; Alpine, Wolfi, Chainguard, Debian, Ubuntu), Wolfi advisories
YAML (schema 2.x and the older map form), Debian security-tracker JSON, a directory or .tar.gz of
them, a lupine repository directory (its security.json), or an
http(s) URL (fetched once and cached; --offline reads only the cache). Without --db, the distro's
public secdb is used: packages.wolfi.dev/os/security.json for wolfi, packages.cgr.dev's for
chainguard, secdb.alpinelinux.org/<branch>/{main,community}.json for alpine.
`;

const HELP_AFTER = `Exit status: 0 done, 1 findings at or above --fail-on, 2 usage, 3 error, 4 a target not scanned
(no package database, or no advisory data for its distro; with or without --fail-on).
`;

const options = {
  db: { type: 'string', multiple: true, arg: 'SOURCE', help: 'advisory source (repeatable)' },
  format: { type: 'string', arg: 'FORMAT', help: 'table (default), json, sarif (2.1.0) or openvex (0.2.0)' },
  output: { type: 'string', short: 'o', arg: 'FILE', help: 'write the report to FILE instead of standard output' },
  'only-fixed': { type: 'boolean', help: 'show only findings that have a fix' },
  ignore: {
    type: 'string',
    multiple: true,
    arg: 'ID[:PKG]',
    help: 'leave out this vulnerability (or an alias of it), for package PKG only when\ngiven; repeatable, or comma-separated',
  },
  'fail-on': {
    type: 'string',
    arg: 'SEVERITY',
    help: 'exit 1 when a finding at or above SEVERITY remains\n(unknown = any finding, negligible, low, medium, high, critical)',
  },
  arch: { type: 'string', arg: 'ARCH', help: 'scan only the image of this architecture' },
  distro: {
    type: 'string',
    arg: 'ID[:VER]',
    help: 'match as this distro instead of what the target says (e.g. wolfi, alpine:3.19)',
  },
  'cache-dir': {
    type: 'string',
    arg: 'DIR',
    help: 'where downloaded advisories are kept (default: $LUPINE_CACHE_DIR,\nelse $XDG_CACHE_HOME/lupine, else ~/.cache/lupine)',
  },
  offline: { type: 'boolean', help: 'use only cached advisory downloads' },
  strict: {
    type: 'boolean',
    help: 'fail on an advisory document that cannot be read (default: skip it with\na warning naming it; a source that yields no entries is always an error)',
  },
  insecure: { type: 'boolean', help: 'allow plain HTTP to a non-loopback registry' },
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
  requireCount(positionals, 1, Number.POSITIVE_INFINITY, 'scan', 'at least one TARGET');
  const format = (values.format ?? 'table') as Format;
  if (!FORMATS.includes(format)) throw usage('scan', `--format must be one of ${FORMATS.join(', ')}`);
  if (format === 'openvex' && positionals.length > 1) {
    throw usage('scan', 'an OpenVEX document covers one target; scan one at a time with --format openvex');
  }
  const failOn = values['fail-on'] === undefined ? undefined : parseSeverity(values['fail-on']);
  if (values['fail-on'] !== undefined && failOn === undefined) {
    throw usage('scan', '--fail-on must be unknown, negligible, low, medium, high or critical');
  }
  const ignore = (values.ignore ?? [])
    .flatMap((s) => s.split(','))
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const logger = stderrLogger(io);
  const targets: Array<{ name: string; scanned: ScanTarget; input: ScanInput; distro: ScanDistro }> = [];
  for (const name of positionals) {
    const scanned = await readTarget(name, io, { arch: values.arch, insecure: values.insecure });
    const input = scanInput(scanned);
    targets.push({ name, scanned, input, distro: values.distro ? parseDistro(values.distro) : input.distro });
  }
  const dbs = values.db ?? [...new Set(targets.flatMap((t) => defaultAdvisorySources(t.distro)))];
  if (dbs.length === 0) {
    const ids = [...new Set(targets.map((t) => t.distro.id))].join(', ');
    throw usage('scan', `no advisory source known for the distro '${ids}'; name one with --db`);
  }
  const advisories = await openAdvisories(dbs, io, {
    command: 'scan',
    cacheDir: values['cache-dir'],
    offline: values.offline ?? false,
    strict: values.strict ?? false,
    logger,
  });
  const created = wallOrEpochClock(io).now();
  const reports = targets.map((t) =>
    scanReport(t.input, advisories, {
      target: t.name,
      targetKind: t.scanned.kind,
      distro: t.distro,
      filter: { onlyFixed: values['only-fixed'] ?? false, ignore },
      created,
      toolVersion: TOOL_VERSION,
    }),
  );
  for (const r of reports) {
    if (r.notScanned) logger.warn(`${r.target}: not scanned: ${r.notScanned}`);
    for (const w of r.warnings ?? []) if (!w.startsWith('--ignore ')) logger.warn(`${r.target}: ${w}`);
  }
  // An --ignore entry that hides nothing in any target: most likely a typo.
  const scanned = reports.filter((r) => !r.notScanned);
  for (const i of ignore) {
    const unused = (r: ScanReport) => (r.warnings ?? []).some((w) => w.startsWith(`--ignore ${i} matches no`));
    if (scanned.length > 0 && scanned.every(unused)) {
      logger.warn(`--ignore ${i} matches no finding${scanned.length > 1 ? ' of any target' : ''}; check the id`);
    }
  }
  const text = renderReports(reports, format);
  if (values.output) await writeFileAtomic(resolve(io.cwd, values.output), text);
  else io.stdout.write(text);
  if (reports.some((r) => r.notScanned)) return EXIT_NOT_SCANNED;
  const n = failOn ? reports.reduce((k, r) => k + findingsAtOrAbove(r.findings, failOn).length, 0) : 0;
  if (failOn && n > 0) {
    io.stderr.write(`lupine: ${n} finding${n === 1 ? '' : 's'} at or above ${failOn}\n`);
    return EXIT_FAIL;
  }
  return EXIT_OK;
}

function renderOne(report: ScanReport, format: Format): string {
  return format === 'json'
    ? reportJson(report)
    : format === 'sarif'
      ? reportSarif(report)
      : format === 'openvex'
        ? reportOpenVex(report)
        : reportTable(report);
}

/** One target: its report. Several: a JSON list, one SARIF log with a run each, tables with headings. */
function renderReports(reports: readonly ScanReport[], format: Format): string {
  if (reports.length === 1) return renderOne(reports[0] as ScanReport, format);
  if (format === 'json') return `[\n${reports.map((r) => reportJson(r).trimEnd()).join(',\n')}\n]\n`;
  if (format === 'sarif') {
    const logs = reports.map((r) => JSON.parse(reportSarif(r)) as { runs: unknown[] });
    return `${JSON.stringify({ ...logs[0], runs: logs.flatMap((l) => l.runs) }, null, 2)}\n`;
  }
  return reports.map((r) => `== ${termSafe(r.target)} ==\n${reportTable(r)}`).join('\n');
}

export const scanCommand: Command = {
  path: ['scan'],
  summary: 'find known vulnerabilities in an image, root, SBOM or package',
  help: commandHelp(HELP, options, HELP_AFTER),
  options: options,
  run,
};
