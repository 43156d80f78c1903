import { createHash } from 'node:crypto';
import { LupineError } from '../core/index.js';
import type { RecipeNode } from '../distro/index.js';
import { checkJobSources, type JobSource } from './sources.js';

/** What travels through Redis: job data and results (plain JSON, never a key or a credential). */

/** The BullMQ queue every coordinator and worker of one cluster share. */
export const QUEUE_NAME = 'lupine-distro';

/** One recipe to build. */
export interface RecipeJobData {
  readonly name: string;
  readonly arch: string;
  /** The recipe's input identity: the store tag its outputs get. */
  readonly identity: string;
  /** The store (`registry/repository`) the outputs go to: a worker serving another store refuses the job. */
  readonly store: string;
  /** The recipe file's name inside the input bundle (`foo.yaml`). */
  readonly file: string;
  /** The recipe as the coordinator compiled it (its `file` rewritten by the worker): no second compile. */
  readonly node: Omit<RecipeNode, 'file'>;
  /**
   * The input bundle (recipe, its folder, the tree's pipelines): inline (base64) when small, else
   * the digest of the blob in the store (Redis stays small, the store takes the weight).
   */
  readonly inputs: { readonly inline: string } | { readonly digest: string };
  /**
   * Store tags (identities) of every recipe it builds against, transitively, with the exact package
   * files each holds and their content's sha256 (the coordinator pulled and verified or built them): a worker
   * places nothing else, so a retagged artifact in the store cannot put a package into a build.
   */
  readonly needs: readonly JobNeed[];
  readonly test: boolean;
  readonly sourceDateEpoch?: number;
  /** Sources from the coordinator's source store, as store blobs (see `sources.ts`). */
  readonly sources?: readonly JobSource[];
}

/** One dependency of a job: its store tag and the package files it must hold. */
export interface JobNeed {
  readonly name: string;
  readonly identity: string;
  /** `sha256`: of each package after its signature (see `packageContentSha256`). */
  readonly packages: readonly { readonly file: string; readonly sha256: string }[];
}

/** What `updateProgress` carries: the worker's name, and a log line when there is one. */
export interface RecipeJobProgress {
  readonly worker: string;
  readonly line?: string;
}

export interface RecipeJobResult {
  readonly worker: string;
  /** The store manifest's digest. */
  readonly manifest: string;
}

/** A worker reads an input bundle from the store up to this size (a forged job cannot exhaust memory). */
export const INPUT_BUNDLE_MAX = 64 * 1024 * 1024;

/** Bundles up to this size travel in the job itself: one store round trip less per recipe. */
export const INLINE_INPUTS_MAX = 256 * 1024;

/**
 * A job's id: the same recipe inputs for the same store are one job, whoever enqueues them. (BullMQ
 * job ids may not contain ':' nor be integers.)
 */
export const jobIdFor = (store: string, identity: string) =>
  `recipe-${createHash('sha256').update(`${store}\n${identity}`).digest('hex')}`;

/** A job's data is at most this big (JSON): anything larger goes through the store by digest. */
export const JOB_DATA_MAX = INLINE_INPUTS_MAX * 2 + 64 * 1024;

const FILE_NAME = /^[A-Za-z0-9_+][A-Za-z0-9._+-]{0,254}$/;
const PACKAGE_NAME = /^[A-Za-z0-9_+][A-Za-z0-9._+-]{0,127}$/;
const ARCH = /^[a-z0-9_]{1,32}$/;
const IDENTITY = /^[0-9a-f]{64}$/;
const DIGEST = /^sha256:[0-9a-f]{64}$/;
/** What needs and provides name: `so:libz.so.1`, `cmd:sh`, `pc:zlib`… (never used as a path). */
const NEED_NAME = /^[^\s/\\]{1,256}$/;
const VERSION = /^[A-Za-z0-9._+~-]{1,128}$/;

function invalid(what: string, value: unknown): LupineError {
  const shown = typeof value === 'string' ? JSON.stringify(value.slice(0, 80)) : typeof value;
  return new LupineError('CLUSTER_JOB_INVALID', `job refused: ${what} is not valid (${shown})`, {
    details: { field: what },
    hint: 'only lupine coordinators should write to the cluster Redis: check who can reach it (set a password)',
  });
}

/**
 * A name that is used as ONE path component (a package file, a recipe file, a log): no separator,
 * not `.`/`..`, not hidden. Throws CLUSTER_JOB_INVALID otherwise.
 */
export function checkFileName(name: unknown, what = 'file name'): string {
  if (typeof name !== 'string' || !FILE_NAME.test(name)) throw invalid(what, name);
  return name;
}

const str = (v: unknown, re: RegExp, what: string): string => {
  if (typeof v !== 'string' || !re.test(v)) throw invalid(what, v);
  return v;
};

const names = (v: unknown, what: string, re = NEED_NAME): string[] => {
  if (!Array.isArray(v) || v.length > 10_000) throw invalid(what, v);
  return v.map((x, i) => str(x, re, `${what}[${i}]`));
};

/**
 * Job data as read from Redis, checked field by field: Redis is shared, so what it holds is treated
 * as hostile by a worker (names that would leave the work directory, oversized payloads, a runner
 * other than the two known, identities or digests that are not ours). Returns the data typed.
 */
export function checkJobData(raw: unknown): RecipeJobData {
  if (typeof raw !== 'object' || raw === null) throw invalid('job data', raw);
  const size = Buffer.byteLength(JSON.stringify(raw));
  if (size > JOB_DATA_MAX) throw invalid(`job data (${size} bytes, at most ${JOB_DATA_MAX})`, '');
  const d = raw as Record<string, unknown>;
  const node = d.node as Record<string, unknown> | undefined;
  if (typeof node !== 'object' || node === null) throw invalid('node', node);
  const name = str(d.name, PACKAGE_NAME, 'name');
  if (node.name !== name) throw invalid('node.name', node.name);
  if (node.runner !== 'host' && node.runner !== 'bubblewrap') throw invalid('node.runner', node.runner);
  const file = checkFileName(d.file, 'file');
  if (!file.endsWith('.yaml')) throw invalid('file', file);
  const inputs = d.inputs as Record<string, unknown> | undefined;
  let checkedInputs: RecipeJobData['inputs'];
  if (typeof inputs?.inline === 'string' && inputs.inline.length <= Math.ceil(INLINE_INPUTS_MAX / 3) * 4) {
    checkedInputs = { inline: inputs.inline };
  } else if (typeof inputs?.digest === 'string' && DIGEST.test(inputs.digest)) {
    checkedInputs = { digest: inputs.digest };
  } else throw invalid('inputs', inputs);
  if (!Array.isArray(d.needs) || d.needs.length > 10_000) throw invalid('needs', d.needs);
  const needs = d.needs.map((n: unknown, i) => {
    const x = (n ?? {}) as Record<string, unknown>;
    if (!Array.isArray(x.packages) || x.packages.length === 0 || x.packages.length > 4096) {
      throw invalid(`needs[${i}].packages`, x.packages);
    }
    const packages = x.packages.map((p: unknown, j) => {
      const f = (p ?? {}) as Record<string, unknown>;
      const file = checkFileName(f.file, `needs[${i}].packages[${j}].file`);
      if (!file.endsWith('.apk')) throw invalid(`needs[${i}].packages[${j}].file`, file);
      return { file, sha256: str(f.sha256, IDENTITY, `needs[${i}].packages[${j}].sha256`) };
    });
    return {
      name: str(x.name, PACKAGE_NAME, `needs[${i}].name`),
      identity: str(x.identity, IDENTITY, `needs[${i}].identity`),
      packages,
    };
  });
  if (typeof d.test !== 'boolean') throw invalid('test', d.test);
  if (
    d.sourceDateEpoch !== undefined &&
    !(Number.isSafeInteger(d.sourceDateEpoch) && (d.sourceDateEpoch as number) >= 0)
  ) {
    throw invalid('sourceDateEpoch', d.sourceDateEpoch);
  }
  if (typeof d.store !== 'string' || d.store.length > 512) throw invalid('store', d.store);
  const sources = checkJobSources(d.sources);
  return {
    name,
    arch: str(d.arch, ARCH, 'arch'),
    identity: str(d.identity, IDENTITY, 'identity'),
    store: d.store,
    file,
    node: {
      name,
      fullVersion: str(node.fullVersion, VERSION, 'node.fullVersion'),
      runner: node.runner,
      packages: names(node.packages, 'node.packages', PACKAGE_NAME),
      provides: names(node.provides, 'node.provides'),
      buildNeeds: names(node.buildNeeds, 'node.buildNeeds'),
      testNeeds: names(node.testNeeds, 'node.testNeeds'),
      runtimeNeeds: names(node.runtimeNeeds, 'node.runtimeNeeds'),
    },
    inputs: checkedInputs,
    needs,
    test: d.test,
    ...(d.sourceDateEpoch !== undefined ? { sourceDateEpoch: d.sourceDateEpoch as number } : {}),
    ...(sources.length > 0 ? { sources } : {}),
  };
}
