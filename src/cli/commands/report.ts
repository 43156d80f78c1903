import { writeFile } from 'node:fs/promises';
import { arch as nodeArch } from 'node:os';
import { join, resolve } from 'node:path';
import { LupineError } from '../../core/index.js';
import { clientOptionsForUrl, envCredentials, parseRegistryUrl, RegistryClient } from '../../oci/index.js';
import { defaultFetcher, RepoCache } from '../../repo/index.js';
import { collectImageFacts, type ImageReportFacts, renderReport, reportFactsJson } from '../../report/index.js';
import { type AdvisorySet, loadAdvisories } from '../../scan/index.js';
import { parse } from '../args.js';
import type { Command } from '../command.js';
import type { CliIo } from '../io.js';
import { EXIT_OK } from '../render.js';
import { stderrLogger, TOOL_VERSION, wallOrEpochClock } from './scan.js';

const HELP = `Usage: lupine report IMAGE... [-o report.html] [--db SOURCE]... [options]

Puts images side by side in one self-contained HTML page (inline CSS and SVG charts, nothing loaded
from the network): compressed and unpacked size, layers, packages, shell or not, user, entrypoint,
vulnerabilities by severity and licenses, with bar charts.

IMAGE is an OCI layout directory, an oci-archive file or an image reference (host/repo:tag, pulled;
plain HTTP for loopback registries). Of an image with several platforms the host's is shown, else the
first; --arch picks one.

Vulnerabilities are counted as 'lupine scan' finds them, against the advisory sources given with
--db (secdb JSON, OSV JSON, Wolfi advisories YAML, a directory or .tar.gz of them, or an http(s) URL);
without --db the page says "not scanned". The generation time comes from SOURCE_DATE_EPOCH when set,
so the page is reproducible.

Options:
  -o, --output FILE    write the HTML page to FILE (default: standard output, unless --json)
  --db SOURCE          advisory source (repeatable)
  --title TEXT         the page title (default: "Container image comparison")
  --json               print the facts as JSON to standard output
  --arch ARCH          show the image of this architecture
  --cache-dir DIR      where downloaded advisories are kept (default: $LUPINE_CACHE_DIR,
                       else $XDG_CACHE_HOME/lupine, else ~/.cache/lupine)
  --offline            use only cached advisory downloads
  --insecure           allow plain HTTP to a non-loopback registry
  -h, --help           show this help

Exit status: 0 done, 2 usage, 3 error.
`;

const options = {
  output: { type: 'string', short: 'o' },
  db: { type: 'string', multiple: true },
  title: { type: 'string' },
  json: { type: 'boolean' },
  arch: { type: 'string' },
  'cache-dir': { type: 'string' },
  offline: { type: 'boolean' },
  insecure: { type: 'boolean' },
} as const;

const HOST_ARCH: Readonly<Record<string, string>> = {
  x64: 'x86_64',
  arm64: 'aarch64',
  ia32: 'x86',
  arm: 'armv7',
  ppc64: 'ppc64le',
};

const DEFAULT_TITLE = 'Container image comparison';

function usage(message: string): LupineError {
  return new LupineError('USAGE', `report: ${message}`, { hint: "see 'lupine report --help'" });
}

function cacheDir(io: CliIo, given: string | undefined): string {
  if (given) return resolve(io.cwd, given);
  if (io.env.LUPINE_CACHE_DIR) return resolve(io.cwd, io.env.LUPINE_CACHE_DIR);
  const base = io.env.XDG_CACHE_HOME || (io.env.HOME ? join(io.env.HOME, '.cache') : undefined);
  if (!base) throw usage('no cache directory: set --cache-dir, LUPINE_CACHE_DIR or HOME');
  return join(base, 'lupine');
}

async function advisoriesFor(dbs: readonly string[], io: CliIo, cacheGiven: string | undefined, offline: boolean) {
  if (dbs.length === 0) return undefined;
  const logger = stderrLogger(io);
  const cache = dbs.some((d) => /^https?:\/\//i.test(d))
    ? await RepoCache.open(join(cacheDir(io, cacheGiven), 'advisories'), { logger })
    : undefined;
  return loadAdvisories(dbs, {
    cwd: io.cwd,
    fetcher: defaultFetcher(),
    ...(cache ? { cache } : {}),
    offline,
    logger,
    ...(io.signal ? { signal: io.signal } : {}),
  });
}

async function run(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(argv, options, 'report');
  if (positionals.length === 0) throw usage('expected at least one IMAGE');
  const title = values.title ?? DEFAULT_TITLE;
  if (title.trim() === '') throw usage('--title must not be empty');
  const generatedAt = wallOrEpochClock(io).now();
  const advisories: AdvisorySet | undefined = await advisoriesFor(
    values.db ?? [],
    io,
    values['cache-dir'],
    values.offline ?? false,
  );
  const insecure = values.insecure ?? false;
  const facts: ImageReportFacts[] = [];
  for (const image of positionals) {
    io.signal?.throwIfAborted();
    facts.push(
      await collectImageFacts(image, {
        cwd: io.cwd,
        ...(values.arch ? { arch: values.arch } : { preferredArch: HOST_ARCH[nodeArch()] ?? nodeArch() }),
        ...(advisories ? { advisories } : {}),
        openRegistry: (text) => {
          const url = parseRegistryUrl(text);
          const client = new RegistryClient(
            clientOptionsForUrl(url, { credentials: envCredentials(io.env), insecure }),
          );
          return { reference: url.reference, client };
        },
      }),
    );
  }
  const report = { title, generatedAt, tool: `lupine ${TOOL_VERSION}` };
  if (values.output) await writeFile(resolve(io.cwd, values.output), renderReport(facts, report));
  if (values.json) io.stdout.write(reportFactsJson(facts, report));
  else if (!values.output) io.stdout.write(renderReport(facts, report));
  return EXIT_OK;
}

export const reportCommand: Command = {
  path: ['report'],
  summary: 'compare images side by side in one self-contained HTML page (sizes, packages, shell, user, CVEs)',
  help: HELP,
  run,
};
