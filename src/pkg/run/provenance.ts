/**
 * `lupine pkg build --generate-provenance`: SLSA provenance v1 for each built (sub)package, as melange
 * writes it: `<out-dir>/<arch>/<name>-<ver>-r<N>.attest.tar.gz`, a gzip'd tar fragment holding one
 * `<name>-<ver>-r<N>.attestation` (the in-toto statement), preceded by an apk signature member when
 * a signing key is given — the same layout and signature as the package itself
 * (`provenance-archive.ts`).
 *
 * The statement says what was built (the .apk's file name and sha256, its `C:` identity as an
 * annotation), how (lupine's melange-compatible build type, the recipe path and sha256, arch, build
 * options, vars and env files, appended repositories, keys and packages), with what (every guest
 * package: purl, sha1 of its identity, download location; the sources of `fetch` and
 * `git-checkout` steps with their checksums and commits) and when (SOURCE_DATE_EPOCH). Everything
 * above the I/O helpers at the end is pure: the same inputs give the same bytes.
 */
import { randomBytes } from 'node:crypto';
import { rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { SigningKey } from '../../apk/index.js';
import { hasUrlScheme, readInputFile, sha256Hex } from '../../core/index.js';
import { redactUrl } from '../../repo/index.js';
import type { PackageSource } from '../../sbom/index.js';
import {
  buildProvenance,
  encodeStatement,
  type InTotoStatement,
  packageDependency,
  type ResourceDescriptor,
} from '../../sign/index.js';
import type { CompiledRecipe } from '../config/types.js';
import type { PreparedPackage } from './outputs.js';
import { provenanceArchive } from './provenance-archive.js';
import { collectSources } from './sbom.js';
import type { BuildRecipeOptions, RunnerKind } from './types.js';

/** `runDetails.builder.id` of lupine's package builder. */
export const PACKAGE_BUILDER_ID = 'https://lupine.dev/package-builder@v1';
/** `buildDefinition.buildType`: a melange recipe built into .apk packages by lupine. */
export const PACKAGE_BUILD_TYPE = 'https://lupine.dev/buildtypes/melange/v1';

/** `<name>-<ver>-r<N>.attest.tar.gz` (melange's name), beside `<name>-<ver>-r<N>.apk`. */
export function provenanceFileName(name: string, version: string): string {
  return `${name}-${version}.attest.tar.gz`;
}

/** A file input of the build, as recorded: its path (see `recordedLocation`) and sha256. */
export interface RecordedFile {
  readonly path: string;
  readonly sha256: string;
}

/** A guest package as the build's lock has it. */
export interface GuestPackageRef {
  readonly name: string;
  readonly version: string;
  readonly arch: string;
  /** `Q1…` (`C:`). */
  readonly identity: string;
  /** Download URL or local path ('' when unknown). */
  readonly url: string;
}

/** What one build shares across its packages' statements. */
export interface PackageProvenanceInput {
  /** The recipe: path relative to its repository (or directory), sha256, and where it lives. */
  readonly recipe: RecordedFile & { readonly repository?: string; readonly commit?: string };
  readonly arch: string;
  readonly runner: RunnerKind;
  readonly toolVersion: string;
  readonly namespace: string;
  readonly sourceDateEpoch: number;
  readonly network: boolean;
  readonly buildOptions?: readonly string[];
  readonly varsFile?: RecordedFile;
  readonly envFile?: RecordedFile;
  readonly pipelineDirs?: readonly string[];
  readonly packageAppend?: readonly string[];
  readonly repositoryAppend?: readonly string[];
  readonly keyringAppend?: readonly string[];
  /** The guest's packages (empty for the host runner). */
  readonly guest: readonly GuestPackageRef[];
  /** What `fetch` and `git-checkout` steps named. */
  readonly sources: readonly PackageSource[];
}

/** One package the build made. */
export interface ProvenanceSubject {
  readonly name: string;
  /** `version-r<N>`. */
  readonly version: string;
  readonly identity: string;
  readonly origin: string;
  readonly bytes: Uint8Array;
}

/**
 * A location for the record: a URL without its password; a local path under `root` as `./relative`
 * (so the record does not depend on where the checkout is); anything else as given.
 */
export function recordedLocation(location: string, root: string | undefined): string {
  const tagged = /^(@\S+\s+)(.*)$/.exec(location);
  if (tagged) return `${tagged[1]}${recordedLocation(tagged[2] as string, root)}`;
  if (hasUrlScheme(location)) return redactUrl(location);
  if (root === undefined || !isAbsolute(location)) return location;
  const rel = relative(root, location);
  if (rel === '') return '.';
  return rel.startsWith('..') || isAbsolute(rel) ? location : `./${rel.split(sep).join('/')}`;
}

function nonEmpty<T>(list: readonly T[] | undefined): readonly T[] | undefined {
  return list && list.length > 0 ? list : undefined;
}

function fileParameter(f: RecordedFile): Record<string, unknown> {
  return { path: f.path, digest: { sha256: f.sha256 } };
}

function externalParameters(i: PackageProvenanceInput, pkg: string): Record<string, unknown> {
  const out: Record<string, unknown> = {
    recipe: {
      ...fileParameter(i.recipe),
      ...(i.recipe.repository ? { repository: redactUrl(i.recipe.repository) } : {}),
      ...(i.recipe.commit ? { commit: i.recipe.commit } : {}),
    },
    package: pkg,
    arch: i.arch,
    namespace: i.namespace,
    sourceDateEpoch: i.sourceDateEpoch,
    network: i.network,
  };
  const options = nonEmpty(i.buildOptions);
  if (options) out.buildOptions = [...options];
  if (i.varsFile) out.varsFile = fileParameter(i.varsFile);
  if (i.envFile) out.envFile = fileParameter(i.envFile);
  const lists = [
    ['pipelineDirs', i.pipelineDirs],
    ['packageAppend', i.packageAppend],
    ['repositoryAppend', i.repositoryAppend],
    ['keyringAppend', i.keyringAppend],
  ] as const;
  for (const [key, list] of lists) {
    const l = nonEmpty(list);
    if (l) out[key] = key === 'packageAppend' ? [...l] : l.map((x) => recordedLocation(x, undefined));
  }
  return out;
}

/** A `fetch` or `git-checkout` source as a resolved dependency. */
export function sourceDependency(s: PackageSource): ResourceDescriptor {
  if (s.kind === 'fetch') {
    const m = /^(sha256|sha512):([0-9a-f]+)$/i.exec(s.checksum);
    const uri = redactUrl(s.uri);
    return {
      uri,
      ...(m ? { digest: { [(m[1] as string).toLowerCase()]: (m[2] as string).toLowerCase() } } : {}),
      downloadLocation: uri,
    };
  }
  const repository = hasUrlScheme(s.repository) ? redactUrl(s.repository) : s.repository;
  return {
    uri: `git+${repository}${s.tag ? `@refs/tags/${s.tag}` : ''}`,
    ...(s.commit ? { digest: { gitCommit: s.commit } } : {}),
    downloadLocation: repository,
  };
}

/** A guest package as a resolved dependency: purl, sha1 of its identity, where it was downloaded from. */
export function guestDependency(p: GuestPackageRef): ResourceDescriptor {
  const d = packageDependency({
    name: p.name,
    version: p.version,
    arch: p.arch,
    identity: p.identity,
    ...(p.url ? { downloadLocation: p.url } : {}),
  });
  return { ...d, annotations: { 'apk.identity': p.identity } };
}

/** The SLSA provenance v1 statement of one built package. */
export function packageStatement(i: PackageProvenanceInput, pkg: ProvenanceSubject): InTotoStatement {
  return buildProvenance({
    subject: [
      {
        name: `${pkg.name}-${pkg.version}.apk`,
        digest: { sha256: sha256Hex(pkg.bytes) },
        annotations: { 'apk.identity': pkg.identity, 'apk.origin': pkg.origin },
      },
    ],
    buildType: PACKAGE_BUILD_TYPE,
    builderId: PACKAGE_BUILDER_ID,
    builderVersion: { lupine: i.toolVersion },
    externalParameters: externalParameters(i, pkg.name),
    internalParameters: { runner: i.runner, hermetic: i.runner !== 'host', lupineVersion: i.toolVersion },
    resolvedDependencies: [...i.guest.map(guestDependency), ...i.sources.map(sourceDependency)],
    startedOn: i.sourceDateEpoch,
    finishedOn: i.sourceDateEpoch,
  });
}

/** The statement as stored: its canonical JSON, indented (as melange writes it), with a final newline. */
export function statementText(s: InTotoStatement): Buffer {
  return Buffer.from(`${JSON.stringify(JSON.parse(encodeStatement(s).toString('utf8')), null, 2)}\n`, 'utf8');
}

// ---- I/O edge ----

/** What the build hands over once its packages are made. */
export interface ProvenanceContext {
  readonly recipeFile: string;
  readonly recipe: CompiledRecipe;
  readonly options: BuildRecipeOptions;
  readonly sourceDateEpoch: number;
  readonly namespace: string;
  readonly commit: string;
  readonly guest: readonly GuestPackageRef[];
  readonly packages: readonly PreparedPackage[];
  readonly toolVersion: string;
  readonly signingKey?: SigningKey;
}

/** Reads the build's file inputs and makes every package's `.attest.tar.gz` (nothing is written). */
export async function prepareProvenance(
  ctx: ProvenanceContext,
): Promise<{ readonly name: string; readonly bytes: Buffer }[]> {
  const o = ctx.options;
  const recipeDir = dirname(resolve(ctx.recipeFile));
  const root = (await repositoryRoot(recipeDir)) ?? recipeDir;
  const at = (p: string) => recordedLocation(p, root);
  const input: PackageProvenanceInput = {
    recipe: {
      ...(await recordFile(ctx.recipeFile, root)),
      ...(o.gitRepoUrl ? { repository: o.gitRepoUrl } : {}),
      ...(ctx.commit ? { commit: ctx.commit } : {}),
    },
    arch: ctx.recipe.arch,
    runner: o.runner,
    toolVersion: ctx.toolVersion,
    namespace: ctx.namespace,
    sourceDateEpoch: ctx.sourceDateEpoch,
    network: o.network ?? true,
    ...(o.buildOptions ? { buildOptions: o.buildOptions } : {}),
    ...(o.varsFile ? { varsFile: await recordFile(o.varsFile, root) } : {}),
    ...(o.envFile ? { envFile: await recordFile(o.envFile, root) } : {}),
    ...(o.pipelineDirs ? { pipelineDirs: o.pipelineDirs.map((d) => at(resolve(d))) } : {}),
    ...(o.packageAppend ? { packageAppend: o.packageAppend } : {}),
    repositoryAppend: o.repositories.map(at),
    keyringAppend: o.keys.map(at),
    guest: ctx.guest.map((g) => ({ ...g, url: g.url ? at(g.url) : '' })),
    sources: collectSources(ctx.recipe.packages[0]?.pipeline ?? []),
  };
  return ctx.packages.map((p) => {
    const label = `${p.name}-${p.version}`;
    const statement = packageStatement(input, {
      name: p.name,
      version: p.version,
      identity: p.identity,
      origin: ctx.recipe.name,
      bytes: p.bytes,
    });
    return {
      name: provenanceFileName(p.name, p.version),
      bytes: provenanceArchive(label, statementText(statement), ctx.sourceDateEpoch, ctx.signingKey),
    };
  });
}

/** The nearest directory at or above `dir` holding `.git` (a work tree's root); undefined when none. */
export async function repositoryRoot(dir: string): Promise<string | undefined> {
  let d = resolve(dir);
  while (true) {
    if (
      await stat(join(d, '.git')).then(
        () => true,
        () => false,
      )
    )
      return d;
    const up = dirname(d);
    if (up === d) return undefined;
    d = up;
  }
}

/** Reads a file input and records it relative to `root`. */
export async function recordFile(path: string, root: string): Promise<RecordedFile> {
  const bytes = await readInputFile(path, 'provenance input');
  return { path: recordedLocation(resolve(path), root).replace(/^\.\//, ''), sha256: sha256Hex(bytes) };
}

/** Writes each archive to a temporary name in `dir`, then renames it into place. */
export async function writeProvenanceFiles(
  dir: string,
  files: readonly { readonly name: string; readonly bytes: Uint8Array }[],
): Promise<string[]> {
  const paths: string[] = [];
  for (const f of files) {
    const path = join(dir, f.name);
    const tmp = `${path}.tmp-${randomBytes(6).toString('hex')}`;
    try {
      await writeFile(tmp, f.bytes);
      await rename(tmp, path);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
    paths.push(path);
  }
  return paths;
}
