/**
 * `npm run demo`: the main job end to end, in-process through the CLI's main(). Makes (or reuses) a
 * signing key, builds the distro (distro/ → OUT/packages, incrementally), builds every image of the
 * catalog (images/*.yaml → OCI layouts under OUT/images/NAME, SBOMs under OUT/sboms/NAME/), writes
 * OUT/report.html (scanned against the distro's own feed, OUT/packages/security.json) and prints a summary: per image its
 * digest, compressed size, package count and entrypoint, and the distro build's counts.
 *
 * Idempotent: an image is rebuilt only when its config, the repository index, the key, the epoch or
 * lupine itself changed; a rerun with no change builds nothing and says so. SOURCE_DATE_EPOCH
 * defaults to 0, so digests are reproducible. Any failure prints a message and exits non-zero.
 *
 * Usage: node dist/scripts/demo.js [--out DIR] [-j N]   (or LUPINE_DEMO_OUT=DIR; default: ./out)
 */

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { captureIo, main, type OutputStream } from '../src/cli/index.js';
import {
  buildImageConfig,
  buildManifest,
  layerDescriptor,
  layerFromTar,
  makeIndex,
  platformFor,
  writeLayout,
} from '../src/oci/index.js';
import { debianArchiveSources, runMmdebstrap } from './debian-baseline.js';

const DEFAULT_EPOCH = '0';
const STAMP_FILE = '.demo-state.json';

const here = dirname(fileURLToPath(import.meta.url));
const root = (() => {
  let d = here;
  while (!existsSync(join(d, 'package.json'))) d = dirname(d);
  return d;
})();

class DemoError extends Error {}

interface Paths {
  readonly out: string;
  /** A directory whose `out` is OUT: the image configs name `out/packages` and `out/keys/demo.rsa.pub`. */
  readonly work: string;
  readonly key: string;
  readonly packages: string;
  readonly cache: string;
  readonly images: string;
  readonly sboms: string;
  readonly report: string;
}

/** What an image was last built from (hashes by input) and the digest it came out with. */
interface Stamp {
  readonly inputs: Record<string, string>;
  readonly digest: string;
}

/** Why an image must be built, or undefined when its layout is current. */
function rebuildReason(
  stamp: Stamp | undefined,
  inputs: Record<string, string>,
  digest: string | undefined,
  sboms: boolean,
): string | undefined {
  if (digest === undefined) return 'never built';
  if (stamp === undefined || typeof stamp.inputs !== 'object') return 'no record of its inputs';
  if (stamp.digest !== digest) return 'the layout was changed outside the demo';
  if (!sboms) return 'its SBOMs are missing';
  const changed = Object.keys(inputs).filter((k) => stamp.inputs[k] !== inputs[k]);
  return changed.length > 0 ? `${changed.join(', ')} changed` : undefined;
}

interface ImageLine {
  readonly name: string;
  readonly digest: string;
  readonly status: 'built' | 'unchanged' | 'changed' | 'rebuilt, same digest';
}

interface ReportFacts {
  readonly name: string;
  readonly digest: string;
  readonly notScanned: string;
  readonly platform: string;
  readonly compressedSize: number;
  readonly packages: number;
  readonly entrypoint: readonly string[];
  readonly cmd: readonly string[];
  readonly shells: readonly string[];
  readonly user: { readonly uid: string; readonly name: string; readonly root: boolean };
  readonly vulnerabilities: {
    readonly findings: number;
    readonly vulnerabilities: number;
    readonly fixable: number;
    readonly bySeverity: Record<string, number>;
  } | null;
}

const env: Record<string, string | undefined> = {
  ...process.env,
  SOURCE_DATE_EPOCH: process.env.SOURCE_DATE_EPOCH || DEFAULT_EPOCH,
};

function say(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** Runs one lupine command in-process; its stderr goes to `stderr` (captured unless given). */
async function lupine(argv: string[], cwd: string, stderr?: OutputStream): Promise<string> {
  const io = captureIo(env, cwd);
  const code = await main(argv, stderr ? { ...io, stderr } : io);
  if (code !== 0) {
    const detail = stderr ? '' : `\n${io.err().trimEnd()}`;
    throw new DemoError(`lupine ${argv.join(' ')} exited ${code}${detail}`);
  }
  return io.out();
}

async function pathsFor(out: string): Promise<Paths> {
  await mkdir(out, { recursive: true });
  let work = dirname(out);
  if (basename(out) !== 'out') {
    work = join(out, '.demo-root');
    await mkdir(work, { recursive: true });
    if (!existsSync(join(work, 'out'))) await symlink('..', join(work, 'out'));
  }
  return {
    out,
    work,
    key: join(out, 'keys', 'demo.rsa'),
    packages: join(out, 'packages'),
    cache: join(out, 'cache'),
    images: join(out, 'images'),
    sboms: join(out, 'sboms'),
    report: join(out, 'report.html'),
  };
}

/** sha256 over every file under `dir`, in sorted path order (lupine's own compiled code). */
async function treeHash(dir: string): Promise<string> {
  const h = createHash('sha256');
  const walk = async (d: string): Promise<void> => {
    const entries = (await readdir(d, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile() && e.name.endsWith('.js')) h.update(`${relative(dir, p)}\0`).update(await readFile(p));
    }
  };
  await walk(dir);
  return h.digest('hex');
}

async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/** The digest of the image index in an OCI layout (the one `image build` prints). */
async function layoutDigest(layout: string): Promise<string | undefined> {
  const index = await readJson<{ manifests?: { digest?: string }[] }>(join(layout, 'index.json'));
  return index?.manifests?.[0]?.digest;
}

async function ensureKey(p: Paths): Promise<boolean> {
  if (existsSync(p.key) && existsSync(`${p.key}.pub`)) return true;
  await lupine(['keygen', 'demo', '--out', dirname(p.key)], p.work);
  return false;
}

interface DistroCounts {
  readonly line: string;
  readonly built: number;
}

/**
 * The source store every demo shares: the checkout's (`out/cache/sources`, which ./setup.sh fills),
 * so a demo into a fresh directory needs no network; `lupine distro fetch` adds what is missing.
 */
const SOURCES = join(root, 'out', 'cache', 'sources');

async function fetchSources(p: Paths): Promise<string> {
  const out = await lupine(['distro', 'fetch', join(root, 'distro'), '--sources', SOURCES], p.work);
  const line = out.trim().split('\n').pop() ?? '';
  const m = /^lupine distro fetch: (.*); store /.exec(line);
  if (!m) throw new DemoError(`the source fetch printed no summary:\n${out}`);
  return m[1] as string;
}

/** What the tree builds from upstream source, from lupine's own files, and imports (stage 0). */
async function recipeKinds(): Promise<{ upstream: string[]; own: string[]; imported: string[] }> {
  const kinds = { upstream: [] as string[], own: [] as string[], imported: [] as string[] };
  const dir = join(root, 'distro');
  for (const f of (await readdir(dir)).filter((x) => x.endsWith('.yaml')).sort()) {
    const text = await readFile(join(dir, f), 'utf8');
    const name = f.slice(0, -5);
    if (/dev\.lupine\.runner: host/.test(text)) kinds.imported.push(name);
    else if (/uses: (?:fetch|git-checkout)\b/.test(text)) kinds.upstream.push(name);
    else kinds.own.push(name);
  }
  return kinds;
}

async function buildDistro(p: Paths, jobs: number): Promise<DistroCounts> {
  const out = await lupine(
    [
      'distro',
      'build',
      join(root, 'distro'),
      '-j',
      String(jobs),
      '--out-dir',
      p.packages,
      '--signing-key',
      p.key,
      '--cache-dir',
      p.cache,
      '--sources',
      SOURCES,
    ],
    p.work,
    process.stderr,
  );
  const line = out.trim().split('\n').pop() ?? '';
  const m = /^distro: (\d+) built, (\d+) skipped, (\d+) failed/.exec(line);
  if (!m) throw new DemoError(`the distro build printed no summary:\n${out}`);
  return { line: line.replace(/^distro: /, ''), built: Number(m[1]) };
}

async function buildImages(p: Paths, names: readonly string[]): Promise<ImageLine[]> {
  const stampPath = join(p.images, STAMP_FILE);
  const stamps = (await readJson<Record<string, Stamp>>(stampPath)) ?? {};
  const sha = (b: string | Uint8Array) => createHash('sha256').update(b).digest('hex');
  const shared = {
    'repository index': sha(await readFile(join(p.packages, 'x86_64', 'APKINDEX.tar.gz'))),
    key: sha(await readFile(`${p.key}.pub`)),
    SOURCE_DATE_EPOCH: String(env.SOURCE_DATE_EPOCH),
    lupine: await treeHash(join(here, '..', 'src')),
  };
  const lines: ImageLine[] = [];
  await mkdir(p.images, { recursive: true });
  for (const name of names) {
    const config = join(root, 'images', `${name}.yaml`);
    const inputs: Record<string, string> = { config: sha(await readFile(config)), ...shared };
    const layout = join(p.images, name);
    const sbomDir = join(p.sboms, name);
    const before = await layoutDigest(layout);
    const reason = rebuildReason(stamps[name], inputs, before, existsSync(sbomDir));
    if (reason === undefined && before !== undefined) {
      say(`image  ${name}: unchanged (its config, the repository, the key and lupine are as before)`);
      lines.push({ name, digest: before, status: 'unchanged' });
      continue;
    }
    say(`image  ${name}: building ${relative(root, config)}: ${reason}`);
    const fresh = `${layout}.new`;
    const freshSboms = `${sbomDir}.new`;
    await rm(fresh, { recursive: true, force: true });
    await rm(freshSboms, { recursive: true, force: true });
    await lupine(
      [
        'image',
        'build',
        config,
        `${name}:latest`,
        fresh,
        '--sbom-path',
        freshSboms,
        '--sbom-formats',
        'spdx,cyclonedx',
        '-C',
        p.work,
        '--cache-dir',
        join(p.cache, 'images'),
      ],
      p.work,
    );
    for (const [from, to] of [
      [fresh, layout],
      [freshSboms, sbomDir],
    ] as const) {
      await rm(to, { recursive: true, force: true });
      await mkdir(dirname(to), { recursive: true });
      await rename(from, to);
    }
    const digest = await layoutDigest(layout);
    if (!digest) throw new DemoError(`image ${name}: no image in ${layout}/index.json`);
    const status = before === undefined ? 'built' : before === digest ? 'rebuilt, same digest' : 'changed';
    say(`image  ${name}: ${status} ${digest}`);
    stamps[name] = { inputs, digest };
    await writeFile(stampPath, `${JSON.stringify(stamps, null, 2)}\n`);
    lines.push({ name, digest, status });
  }
  return lines;
}

async function writeReport(
  p: Paths,
  names: readonly string[],
  baseline?: string,
): Promise<{ facts: ReportFacts[]; same: boolean }> {
  const previous = await readFile(p.report).catch(() => undefined);
  // The Debian baseline (when there is one) goes last, so facts[i] stays names[i].
  const base = baseline === undefined ? [] : [relative(p.work, baseline)];
  const json = await lupine(
    [
      'report',
      ...names.map((n) => relative(p.work, join(p.images, n))),
      ...base,
      ...(base.length > 0 ? ['--baseline', base[0] as string] : []),
      '-o',
      p.report,
      '--db',
      // The distro's own feed: distro/advisories, published by `distro build` as security.json.
      relative(p.work, p.packages),
      '--title',
      'lupine catalog',
      '--offline',
      '--json',
    ],
    p.work,
  );
  const facts = (JSON.parse(json) as { images: ReportFacts[] }).images;
  const now = await readFile(p.report);
  return { facts, same: previous?.equals(now) === true };
}

// ---- The Debian baseline (issue 15): a minimal bookworm root from Debian's packages, as an image ----

/**
 * The host's apt sources narrowed to bookworm's binary archive entries (deb822 files and the
 * one-line sources.list), fed to mmdebstrap so no mirror is named here.
 */
async function aptSources(): Promise<string> {
  const dir = '/etc/apt/sources.list.d';
  const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => n.endsWith('.sources')).sort();
  const texts = await Promise.all(names.map((n) => readFile(join(dir, n), 'utf8')));
  const oneLine = await readFile('/etc/apt/sources.list', 'utf8').catch(() => '');
  return debianArchiveSources('bookworm', texts, oneLine);
}

/**
 * The baseline could not be built: said loudly (a banner and the reason, not one line among many),
 * and fatal when LUPINE_DEMO_REQUIRE_DEBIAN=1 (CI sets it to catch a silent skip).
 */
function skipBaseline(reason: string, detail = ''): undefined {
  const bar = '='.repeat(72);
  say(bar);
  say(`DEBIAN BASELINE SKIPPED: ${reason}`);
  for (const l of detail.split('\n').filter((x) => x.trim() !== '')) say(`  | ${l}`);
  say('the report compares the catalog without it; fix the above and rerun the demo');
  say(bar);
  if (process.env.LUPINE_DEMO_REQUIRE_DEBIAN === '1') {
    throw new DemoError(`debian baseline required (LUPINE_DEMO_REQUIRE_DEBIAN=1) but skipped: ${reason}`);
  }
  return undefined;
}

/**
 * `OUT/images/debian-bookworm`: `mmdebstrap --variant=minbase bookworm` (the host's apt sources) packed
 * as a one-layer OCI image (root user, bash). Built once and reused; undefined (with the reason said
 * loudly) when mmdebstrap is missing or fails, so the demo goes on without it.
 */
async function debianBaseline(p: Paths): Promise<string | undefined> {
  const layout = join(p.images, 'debian-bookworm');
  if (existsSync(join(layout, 'index.json'))) return layout;
  const mm = spawnSync('mmdebstrap', ['--version'], { encoding: 'utf8' });
  if (mm.status !== 0) return skipBaseline('mmdebstrap is not installed (./setup.sh installs it)');
  const sources = await aptSources();
  if (sources === '') {
    return skipBaseline(
      'no apt source for Debian bookworm on this machine',
      'looked in /etc/apt/sources.list.d/*.sources and /etc/apt/sources.list for a deb entry of bookworm',
    );
  }
  const tmp = join(p.cache, `debian-bookworm.${process.pid}.tar`);
  await mkdir(p.cache, { recursive: true });
  say("debian baseline: mmdebstrap --variant=minbase bookworm (the host's bookworm apt sources)");
  const isRoot = process.getuid?.() === 0;
  const r = runMmdebstrap(
    'bookworm',
    tmp,
    sources,
    { ...process.env, SOURCE_DATE_EPOCH: env.SOURCE_DATE_EPOCH },
    isRoot,
  );
  if (!r.ok) {
    await rm(tmp, { force: true });
    return skipBaseline(`mmdebstrap failed (tried ${r.attempts.join('; then ')})`, r.error);
  }
  if (r.attempts.length > 1) say(`debian baseline: built with ${r.attempts[r.attempts.length - 1]}`);
  try {
    const layer = await layerFromTar(await readFile(tmp));
    const platform = platformFor('x86_64');
    const config = buildImageConfig({
      architecture: platform.architecture,
      os: platform.os,
      rootfs: { type: 'layers', diff_ids: [layer.diffId] },
      config: { Cmd: ['bash'], Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'] },
    });
    const manifest = buildManifest({ config: config.descriptor, layers: [layerDescriptor(layer)] });
    const staging = `${layout}.${process.pid}.tmp`;
    await writeLayout(staging, {
      blobs: [layer.blob, config.bytes, manifest.bytes].map((bytes) => ({ bytes })),
      index: makeIndex({ manifests: [{ ...manifest.descriptor, platform }] }),
    });
    await rename(staging, layout);
  } finally {
    await rm(tmp, { force: true });
  }
  return layout;
}

const size = (n: number) => (n < 1e6 ? `${(n / 1e3).toFixed(1)} kB` : `${(n / 1e6).toFixed(2)} MB`);

function vulnText(v: ReportFacts['vulnerabilities']): string {
  if (v === null) return 'not scanned';
  const parts = Object.entries(v.bySeverity).filter(([, n]) => n > 0);
  if (v.findings === 0) return 'no vulnerabilities';
  return `${v.findings} ${v.findings === 1 ? 'vulnerability' : 'vulnerabilities'} (${parts.map(([k, n]) => `${n} ${k}`).join(', ')})`;
}

function userText(u: ReportFacts['user']): string {
  if (u.uid === '' && u.name === '') return u.root ? 'root' : 'unknown';
  return u.name && u.uid ? `${u.uid} (${u.name})` : u.uid || u.name;
}

async function run(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { out: { type: 'string' }, jobs: { type: 'string', short: 'j' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    process.stdout.write(
      'Usage: node dist/scripts/demo.js [--out DIR] [-j N]   (LUPINE_DEMO_OUT=DIR; default ./out)\n',
    );
    return;
  }
  const jobs = values.jobs === undefined ? Math.min(4, availableParallelism()) : Number(values.jobs);
  if (!Number.isInteger(jobs) || jobs < 1) throw new DemoError(`-j wants a positive number, not '${values.jobs}'`);
  const t0 = performance.now();
  const p = await pathsFor(resolve(values.out ?? process.env.LUPINE_DEMO_OUT ?? join(root, 'out')));
  const shown = (x: string) => {
    const r = relative(process.cwd(), x);
    return r === '' ? '.' : r.startsWith('..') ? x : r;
  };
  say(`lupine demo: SOURCE_DATE_EPOCH=${env.SOURCE_DATE_EPOCH}, output in ${shown(p.out)}/`);

  const keyReused = await ensureKey(p);
  say(`key    ${shown(p.key)} (${keyReused ? 'reused' : 'new'})`);
  say(`distro building ${shown(join(root, 'distro'))} into ${shown(p.packages)} (-j ${jobs})`);
  say(`sources ${await fetchSources(p)} (store ${shown(SOURCES)})`);
  const distro = await buildDistro(p, jobs);
  const kinds = await recipeKinds();
  const names = (await readdir(join(root, 'images')))
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.slice(0, -5))
    .sort();
  const images = await buildImages(p, names);
  const baseline = await debianBaseline(p);
  say(
    `report scanning ${names.length} images${baseline ? ' and the Debian baseline' : ''} against ${shown(join(p.packages, 'security.json'))}`,
  );
  const report = await writeReport(p, names, baseline);

  const width = Math.max(...names.map((n) => n.length));
  const lines = [
    '',
    `lupine demo (SOURCE_DATE_EPOCH=${env.SOURCE_DATE_EPOCH})`,
    `distro  ${distro.line}  → ${shown(p.packages)}`,
    `  from upstream source (${kinds.upstream.length}): ${kinds.upstream.join(' ')}`,
    `  from lupine's own files (${kinds.own.length}): ${kinds.own.join(' ')}`,
    `  imported from Debian, stage 0 (${kinds.imported.length}): ${kinds.imported.join(' ')}`,
    `images  ${images.length} in ${shown(p.images)}/ (SBOMs in ${shown(p.sboms)}/)`,
  ];
  for (const img of images) {
    const f = report.facts[images.indexOf(img)];
    if (!f) throw new DemoError(`the report has no facts for ${img.name}`);
    const entry = [...f.entrypoint, ...f.cmd];
    const pad = ' '.repeat(width);
    lines.push(
      `  ${img.name.padEnd(width)}  ${img.digest}  ${img.status}`,
      `  ${pad}  ${f.platform}, ${size(f.compressedSize)} compressed (${f.compressedSize} bytes), ${f.packages} packages, entrypoint ${entry.length ? entry.join(' ') : '(none)'}`,
      `  ${pad}  user ${userText(f.user)}, ${f.shells.length ? `shell ${f.shells[0]}` : 'no shell'}, ${vulnText(f.vulnerabilities)}`,
    );
  }
  const deb = baseline ? report.facts[names.length] : undefined;
  if (deb) {
    lines.push(
      `  ${'debian-bookworm'.padEnd(width)}  ${deb.digest}  baseline (mmdebstrap, minbase)`,
      `  ${' '.repeat(width)}  ${size(deb.compressedSize)} compressed, ${deb.packages} packages, user ${userText(deb.user)}, ${deb.shells.length ? `shell ${deb.shells[0]}` : 'no shell'}, ${deb.notScanned ? `not scanned: ${deb.notScanned}` : vulnText(deb.vulnerabilities)}`,
    );
  }
  lines.push(`report  ${shown(p.report)}${report.same ? ' (unchanged)' : ''}`);
  const count = (s: ImageLine['status']) => images.filter((i) => i.status === s).length;
  const rebuilt = images.length - count('unchanged');
  const differ = count('built') + count('changed');
  lines.push(
    distro.built === 0 && rebuilt === 0
      ? 'Nothing rebuilt: the distro is up to date and every image is unchanged.'
      : `Built ${distro.built} packages and ${rebuilt} images (${differ} new or changed, ${images.length - differ} unchanged).`,
    `Done in ${((performance.now() - t0) / 1000).toFixed(1)} s.`,
  );
  process.stdout.write(`${lines.join('\n')}\n`);
}

try {
  await run(process.argv.slice(2));
} catch (err) {
  // Our own and system errors (ENOENT, …) say enough in one line; anything else is a bug: its stack.
  const e = err as Error & { code?: string };
  const text =
    e instanceof DemoError
      ? e.message
      : e.code
        ? e.message.startsWith(e.code)
          ? e.message
          : `${e.code}: ${e.message}`
        : (e.stack ?? String(err));
  process.stderr.write(`demo failed: ${text}\n`);
  process.exitCode = 1;
}
