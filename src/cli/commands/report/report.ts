import { resolve } from 'node:path';
import { hostApkArch } from '../../../apk/index.js';
import { writeFileAtomic } from '../../../core/index.js';
import { collectImageFacts, type ImageReportFacts, renderReport, reportFactsJson } from '../../../report/index.js';
import { commandHelp, parse } from '../../args.js';
import type { Command } from '../../command.js';
import type { CliIo } from '../../io.js';
import { EXIT_OK } from '../../render.js';
import { setOnly } from '../common/set-only.js';
import { wallOrEpochClock } from '../common/wall-clock.js';
import { openAdvisories, registryOpener, stderrLogger, TOOL_VERSION, usage } from '../scan/context.js';

const HELP = `Usage: lupine report IMAGE... [-o report.html] [--db SOURCE]... [options]

Puts images side by side in one self-contained HTML page (inline CSS and SVG charts, nothing loaded
from the network): compressed and unpacked size, layers, packages, shell or not, user, entrypoint,
vulnerabilities by severity and licenses, with bar charts.

IMAGE is an OCI layout directory, an oci-archive file or an image reference (host/repo:tag, pulled;
plain HTTP for loopback registries). Of an image with several platforms the host's is shown, else the
first; --arch picks one.

Vulnerabilities are counted as 'lupine scan' finds them, against the advisory sources given with
--db (secdb JSON, OSV JSON, Wolfi advisories YAML, a directory or .tar.gz of them, or an http(s) URL);
without --db the page says "not scanned", and so does it for an image whose packages cannot be
read or whose distro no source covers ("not scanned: no data for debian 12"). The page names each
advisory source with its date and lists each image's vulnerability ids. The generation time comes from SOURCE_DATE_EPOCH when set,
so the page is reproducible.
`;

const HELP_AFTER = `Exit status: 0 done, 2 usage, 3 error.
`;

const options = {
  output: {
    type: 'string',
    short: 'o',
    arg: 'FILE',
    help: 'write the HTML page to FILE (default: standard output, unless --json)',
  },
  db: { type: 'string', multiple: true, arg: 'SOURCE', help: 'advisory source (repeatable)' },
  title: { type: 'string', arg: 'TEXT', help: 'the page title (default: "Container image comparison")' },
  json: { type: 'boolean', help: 'print the facts as JSON to standard output' },
  arch: { type: 'string', arg: 'ARCH', help: 'show the image of this architecture' },
  'cache-dir': {
    type: 'string',
    arg: 'DIR',
    help: 'where downloaded advisories are kept (default: $LUPINE_CACHE_DIR,\nelse $XDG_CACHE_HOME/lupine, else ~/.cache/lupine)',
  },
  baseline: {
    type: 'string',
    arg: 'IMAGE',
    help: 'compare every other image with IMAGE (one of those given; default: the first)',
  },
  offline: { type: 'boolean', help: 'use only cached advisory downloads' },
  insecure: { type: 'boolean', help: 'allow plain HTTP to a non-loopback registry' },
} as const;

const DEFAULT_TITLE = 'Container image comparison';

async function run(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(argv, options, 'report');
  if (positionals.length === 0) throw usage('report', 'expected at least one IMAGE');
  const title = values.title ?? DEFAULT_TITLE;
  if (title.trim() === '') throw usage('report', '--title must not be empty');
  const generatedAt = wallOrEpochClock(io).now();
  const dbs = values.db ?? [];
  const advisories =
    dbs.length === 0
      ? undefined
      : await openAdvisories(dbs, io, {
          command: 'report',
          cacheDir: values['cache-dir'],
          offline: values.offline ?? false,
          logger: stderrLogger(io),
        });
  const insecure = values.insecure ?? false;
  const facts: ImageReportFacts[] = [];
  for (const image of positionals) {
    io.signal?.throwIfAborted();
    facts.push(
      await collectImageFacts(image, {
        cwd: io.cwd,
        ...(values.arch ? { arch: values.arch } : { preferredArch: hostApkArch() }),
        ...setOnly({ advisories }),
        openRegistry: registryOpener(io, insecure),
      }),
    );
  }
  const baseline = values.baseline;
  if (baseline !== undefined && !positionals.includes(baseline)) {
    throw usage('report', `--baseline '${baseline}' is not one of the images given`);
  }
  const report = {
    title,
    generatedAt,
    tool: `lupine ${TOOL_VERSION}`,
    sources: advisories?.sources ?? [],
    ...setOnly({ baseline }),
  };
  if (values.output) await writeFileAtomic(resolve(io.cwd, values.output), renderReport(facts, report));
  if (values.json) io.stdout.write(reportFactsJson(facts, report));
  else if (!values.output) io.stdout.write(renderReport(facts, report));
  return EXIT_OK;
}

export const reportCommand: Command = {
  path: ['report'],
  summary: 'compare images side by side in one self-contained HTML page (sizes, packages, shell, user, CVEs)',
  help: commandHelp(HELP, options, HELP_AFTER),
  options: options,
  run,
};
