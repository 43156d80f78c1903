import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { type Logger, LupineError } from '../../../core/index.js';
import {
  buildImage,
  type ImageOutputFormat,
  imageArchs,
  type SbomFormat,
  writeImageOutput,
} from '../../../image/index.js';
import { commandHelp, parse, requireCount } from '../../args.js';
import type { Command } from '../../command.js';
import type { CliIo } from '../../io.js';
import { EXIT_ERROR, EXIT_OK } from '../../render.js';
import { setOnly, setPaths } from '../common/set-only.js';
import { sourceDateClock } from '../common/wall-clock.js';
import { loadConfigForCli, RESOLVE_OPTIONS, readLockFor } from './common.js';

const HELP = `Usage: lupine image build CONFIG TAG OUT [--arch A]... [options]

Builds an apko image configuration into a reproducible OCI image: resolves the packages for each
arch, installs them into a fresh root laid out as apko lays it out (scripts are stored, never
run), adds accounts, paths, certificates and busybox links, and writes one deterministic layer
(or one per origin group with layering) under an image index with one manifest per arch.

OUT is an OCI layout directory, or with a name ending in .tar an oci-archive; with
--format docker, a docker-archive of the host arch's image tagged TAG. Nothing is written when
the build fails. Time comes from SOURCE_DATE_EPOCH; without it, image creation times are the
newest package build date.

The index digest is printed on stdout (with --json, a summary of every arch).
`;

const options = {
  'sbom-path': { type: 'string', arg: 'DIR', help: 'write SBOMs (per arch and for the index) into DIR' },
  'sbom-formats': {
    type: 'string',
    arg: 'F',
    help: 'comma-separated: spdx, cyclonedx (default spdx when --sbom-path is set)',
  },
  annotations: {
    type: 'string',
    multiple: true,
    arg: 'K:V',
    help: 'add an annotation to manifests, the index and config labels (repeatable)',
  },
  format: {
    type: 'string',
    arg: 'docker',
    help: 'write a docker-archive instead of an oci-archive (OUT must end in .tar)',
  },
  lockfile: {
    type: 'string',
    arg: 'FILE',
    help: 'install exactly what the lock file lists; fail if the config changed',
  },
  workdir: {
    type: 'string',
    short: 'C',
    arg: 'DIR',
    help: 'resolve relative repository and keyring paths against DIR',
  },
  json: { type: 'boolean', help: 'print a JSON summary' },
  ...RESOLVE_OPTIONS,
} as const;

function stderrLogger(io: CliIo): Logger {
  return {
    info: (m) => io.stderr.write(`${m}\n`),
    warn: (m) => io.stderr.write(`warning: ${m}\n`),
    debug: () => undefined,
  };
}

function parseAnnotations(list: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const a of list) {
    const i = a.indexOf(':');
    if (i <= 0) {
      throw new LupineError('USAGE', `image build: --annotations takes KEY:VALUE, got '${a}'`);
    }
    out[a.slice(0, i)] = a.slice(i + 1);
  }
  return out;
}

function parseFormats(raw: string | undefined): SbomFormat[] {
  if (raw === undefined) return ['spdx'];
  const out: SbomFormat[] = [];
  for (const f of raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')) {
    if (f !== 'spdx' && f !== 'cyclonedx') {
      throw new LupineError('USAGE', `image build: unknown SBOM format '${f}'`, {
        hint: 'use spdx, cyclonedx or both',
      });
    }
    if (!out.includes(f)) out.push(f);
  }
  return out;
}

async function outputFormat(out: string, format: string | undefined): Promise<ImageOutputFormat> {
  if (format !== undefined && format !== 'docker' && format !== 'oci') {
    throw new LupineError('USAGE', `image build: unknown --format '${format}'`, { hint: 'use --format docker' });
  }
  const isDir = await stat(out).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (format === 'docker') {
    if (isDir || !out.endsWith('.tar')) {
      throw new LupineError('USAGE', 'image build: --format docker writes a file; give an OUT ending in .tar');
    }
    return 'docker';
  }
  return !isDir && out.endsWith('.tar') ? 'oci-archive' : 'oci';
}

/** `line:col` (1-based) of the first line holding `needle` as a YAML/JSON value; undefined when absent. */
function findInConfig(text: string, needle: string): string | undefined {
  const lines = text.split('\n');
  const boundary = (c: string | undefined) => c === undefined || ' \t\'"[],:='.includes(c);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    let at = line.indexOf(needle);
    while (at >= 0) {
      const after = line[at + needle.length];
      if (boundary(line[at - 1]) && (boundary(after) || after === '<' || after === '>' || after === '~')) {
        return `${i + 1}:${at + 1}`;
      }
      at = line.indexOf(needle, at + 1);
    }
  }
  return undefined;
}

/** Adds the config position of the package or path an error is about (`details.location`). */
async function withLocation(err: unknown, file: string, shown: string): Promise<unknown> {
  if (!(err instanceof LupineError) || typeof err.details.location === 'string') return err;
  const d = err.details;
  const needles: string[] = [];
  if (typeof d.package === 'string') needles.push(d.package);
  if (Array.isArray(d.packages)) needles.push(...d.packages.filter((p): p is string => typeof p === 'string'));
  if (typeof d.path === 'string' && err.code === 'IMAGE_BUILD_PATH') needles.push(d.path);
  if (needles.length === 0) return err;
  const text = await readFile(file, 'utf8').catch(() => '');
  for (const n of needles) {
    const at = findInConfig(text, n);
    if (at) {
      return new LupineError(err.code, err.message, {
        cause: err.cause,
        details: { ...d, location: `${shown}:${at}` },
        ...setOnly({ hint: err.hint }),
      });
    }
  }
  return err;
}

export const imageBuildCommand: Command = {
  path: ['image', 'build'],
  summary: 'build an apko config into a reproducible OCI image (layout, oci-archive or docker-archive)',
  help: commandHelp(HELP, options),
  options: options,
  async run(argv, io) {
    const { values, positionals } = parse(argv, options, 'image build');
    requireCount(positionals, 3, 3, 'image build', 'CONFIG, TAG and OUT');
    const [configPath, tag, outArg] = positionals as [string, string, string];
    const out = resolve(io.cwd, outArg);
    const format = await outputFormat(out, values.format);
    const annotations = parseAnnotations(values.annotations ?? []);
    const sbomFormats = values['sbom-path'] ? parseFormats(values['sbom-formats']) : [];
    const loaded = await loadConfigForCli(configPath, io, values);
    if (!loaded) return EXIT_ERROR;
    const archs = imageArchs(loaded.config, values.arch, 'image build');
    const lockfile = values.lockfile ? await readLockFor(values.lockfile, io, loaded, archs) : undefined;
    const clock = sourceDateClock(io);
    const configFile = resolve(io.cwd, configPath);
    const result = await buildImage(loaded.config, {
      archs,
      workDir: resolve(io.cwd, values.workdir ?? '.'),
      env: io.env,
      keyringAppend: values['keyring-append'] ?? [],
      repositoryAppend: values['repository-append'] ?? [],
      buildRepositoryAppend: values['build-repository-append'] ?? [],
      packageAppend: values['package-append'] ?? [],
      ...setPaths(io.cwd, { cacheDir: values['cache-dir'] }),
      ...setOnly({ clock, offline: values.offline, allowUntrusted: values['ignore-signatures'], lockfile }),
      sbomFormats,
      annotations,
      tag,
      logger: stderrLogger(io),
    }).catch(async (err: unknown) => {
      throw await withLocation(err, configFile, configPath);
    });
    await writeImageOutput(result, out, {
      format,
      tag,
      ...setPaths(io.cwd, { sbomDir: values['sbom-path'] }),
    });
    if (values.json) {
      const summary = {
        index: result.index.descriptor.digest,
        output: { path: out, format },
        images: result.perArch.map((p) => ({
          arch: p.arch,
          manifest: p.manifest.descriptor.digest,
          config: p.config.descriptor.digest,
          layers: p.layers.map((l) => ({ digest: l.digest, diffId: l.diffId, size: l.size })),
          packages: p.packages.map((x) => `${x.name}=${x.version}`),
        })),
        sboms: result.sboms.map((s) => s.name),
      };
      io.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    } else {
      io.stdout.write(`${result.index.descriptor.digest}\n`);
    }
    return EXIT_OK;
  },
};
