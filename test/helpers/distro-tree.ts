/**
 * The real distro/ tree, built ONCE per test run and shared by the test files that need its
 * packages (distro-build, demo, …): building it is most of the suite's time.
 *
 * `npm test` (scripts/run-tests.mjs) gives the run a directory, LUPINE_TEST_SHARED_DIR, and removes
 * it afterwards. The tree is built there in `distro-<identity>/`, where the identity hashes what the
 * build depends on (distro/, images/, lupine's compiled code), with `lupine distro build` as a user
 * runs it. Test files run two at a time: the first to ask takes a lock (a directory, created
 * atomically, holding its pid) and builds; the others wait for its result instead of building again.
 * A lock whose process died is taken over. Without LUPINE_TEST_SHARED_DIR (a test file run on its
 * own) the process builds into a directory of its own, removed when it exits.
 *
 * The shared tree is read-only for its users: a test that changes recipes or rebuilds copies it
 * first (copySharedTree), or keeps a small tree of its own.
 */
import { createHash } from 'node:crypto';
import {
  cpSync,
  type Dirent,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type CliResult, runCli } from './cli.js';
import { repoRoot } from './paths.js';

/**
 * The source store the from-source recipes build from: the checkout's, filled by ./setup.sh
 * (`lupine distro fetch distro --cache-dir out/cache`); tests never reach Debian's archive.
 */
export const SOURCES = join(repoRoot, 'out', 'cache', 'sources');

/** The environment every tree build runs with (reproducible). */
export const TREE_ENV = { ...process.env, SOURCE_DATE_EPOCH: '0' };

export interface SharedTree {
  /** Holds distro/, images/, out/keys/demo.rsa(.pub), out/packages (the signed repository), out/cache. */
  readonly dir: string;
  /** What `lupine distro build` printed, and its exit code. */
  readonly build: CliResult;
}

/** The `lupine distro build` arguments of a tree in `cwd` (distro/ → out/packages). */
export function distroBuildArgs(): string[] {
  return [
    'distro',
    'build',
    'distro',
    '-j',
    '2',
    '--out-dir',
    'out/packages',
    '--signing-key',
    'out/keys/demo.rsa',
    '--cache-dir',
    'out/cache',
    '--sources',
    SOURCES,
  ];
}

/**
 * A fresh tree in `dir`: distro/ (only `recipes` when given, by recipe name) and images/ copied from
 * the checkout, a new signing key. Nothing built.
 */
export async function newTree(dir: string, recipes?: readonly string[]): Promise<void> {
  assertSources();
  const only = recipes && new Set(recipes);
  cpSync(join(repoRoot, 'distro'), join(dir, 'distro'), {
    recursive: true,
    filter: (src) => {
      const rel = relative(join(repoRoot, 'distro'), src).split('/')[0] ?? '';
      if (!only || rel === '' || rel === 'pipelines' || rel === 'advisories') return true;
      return only.has(rel.replace(/\.yaml$/, ''));
    },
  });
  cpSync(join(repoRoot, 'images'), join(dir, 'images'), { recursive: true });
  mkdirSync(join(dir, 'out'), { recursive: true });
  const k = await runCli(['keygen', 'demo', '--out', 'out/keys'], { cwd: dir, env: TREE_ENV });
  if (k.code !== 0) throw new Error(`keygen failed: ${k.stderr}`);
}

/** Copies a shared tree's recipes, images, keys and repository (with its build state) into `dest`. */
export function copySharedTree(tree: SharedTree, dest: string): void {
  for (const part of ['distro', 'images', 'out/keys', 'out/packages']) {
    cpSync(join(tree.dir, part), join(dest, part), { recursive: true });
  }
}

function assertSources(): void {
  if (!existsSync(SOURCES)) {
    throw new Error(`${SOURCES} is missing: run ./setup.sh (lupine distro fetch distro --cache-dir out/cache)`);
  }
}

/** sha256 over the files under each directory: relative path and contents, in sorted order. */
function hashDirs(dirs: readonly string[]): string {
  const h = createHash('sha256');
  for (const dir of dirs) {
    const files = (readdirSync(dir, { recursive: true, withFileTypes: true }) as Dirent[])
      .filter((e) => e.isFile())
      .map((e) => join(e.parentPath, e.name))
      .sort();
    for (const f of files) h.update(`${relative(repoRoot, f)}\0`).update(readFileSync(f));
  }
  return h.digest('hex');
}

let ownBase: string | undefined;

function baseDir(): string {
  const shared = process.env.LUPINE_TEST_SHARED_DIR;
  if (shared) return shared;
  if (!ownBase) {
    const base = mkdtempSync(join(tmpdir(), 'lupine-test-tree-'));
    ownBase = base;
    process.once('exit', () => rmSync(base, { recursive: true, force: true }));
  }
  return ownBase;
}

const readOr = (path: string, fallback: string) => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return fallback;
  }
};

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
};

let mine: Promise<SharedTree> | undefined;

/** The shared, built tree (built by this process, or waited for while another test file builds it). */
export function sharedDistroTree(): Promise<SharedTree> {
  mine ??= acquire();
  return mine;
}

/** Where this run's shared tree is: named by the identity of what its build depends on. */
export function sharedTreeDir(): string {
  const identity = hashDirs([join(repoRoot, 'distro'), join(repoRoot, 'images'), join(repoRoot, 'dist', 'src')]);
  return join(baseDir(), `distro-${identity.slice(0, 16)}`);
}

async function acquire(): Promise<SharedTree> {
  const dir = sharedTreeDir();
  const result = join(dir, 'build.json');
  const lock = `${dir}.lock`;
  for (;;) {
    if (existsSync(result)) return { dir, build: JSON.parse(readFileSync(result, 'utf8')) as CliResult };
    try {
      mkdirSync(lock);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number(readOr(join(lock, 'pid'), '0').trim() || 0);
      // A holder that died (or has not written its pid yet: pid 0 counts as alive) leaves its lock.
      if (pid !== 0 && !alive(pid)) rmSync(lock, { recursive: true, force: true });
      else await sleep(1000);
      continue;
    }
    try {
      writeFileSync(join(lock, 'pid'), String(process.pid));
      if (existsSync(result)) continue;
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      await newTree(dir);
      const build = await runCli(distroBuildArgs(), { cwd: dir, env: TREE_ENV });
      writeFileSync(`${result}.tmp`, JSON.stringify(build));
      renameSync(`${result}.tmp`, result);
      return { dir, build };
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }
}
