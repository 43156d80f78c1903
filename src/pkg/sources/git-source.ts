/**
 * `git-checkout` sources in the source store: `<store>/git/<commit>.bundle`, a git bundle whose one
 * branch (`lupine-source`) points at the pinned commit. A stored bundle is used without any network;
 * a missing one is cloned on the host (when the network is allowed), checked against the recipe's
 * expected-commit, bundled and stored. The bundle is staged at `<stage>/git/<commit>.bundle`, which
 * the `git-checkout` pipeline clones from when it is there.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { LupineError, silentLogger } from '../../core/index.js';
import { redactUrl } from '../../repo/index.js';
import type { ResolveSourcesOptions, StoreSource } from './resolve.js';
import { linkOrCopy, type SourceStore } from './store.js';

const BRANCH = 'lupine-source';

function git(args: readonly string[], cwd?: string, signal?: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      ['-c', 'advice.detachedHead=false', '-c', 'safe.directory=*', ...args],
      {
        ...(cwd ? { cwd } : {}),
        maxBuffer: 64 * 1024 * 1024,
        env: { PATH: '/usr/bin:/bin', GIT_TERMINAL_PROMPT: '0' },
        ...(signal ? { signal } : {}),
      },
      (err, stdout, stderr) =>
        err ? reject(new Error(`git ${args[0]}: ${stderr.trim() || err.message}`)) : resolve(stdout),
    );
  });
}

const isFile = (p: string) =>
  stat(p).then(
    (s) => s.isFile(),
    () => false,
  );

export function gitBundlePath(store: SourceStore, commit: string): string {
  return join(store.dir, 'git', `${commit}.bundle`);
}

/** The commit a stored bundle's branch points at ('' when it cannot be read). */
async function bundleHead(path: string): Promise<string> {
  const heads = await git(['bundle', 'list-heads', path]).catch(() => '');
  const line = heads.split('\n').find((l) => l.endsWith(`refs/heads/${BRANCH}`));
  return line ? (line.split(' ')[0] ?? '') : '';
}

export async function storeGitCheckout(
  src: Extract<StoreSource, { kind: 'git' }>,
  store: SourceStore,
  o: ResolveSourcesOptions,
): Promise<void> {
  const logger = o.logger ?? silentLogger;
  const what = `git source ${redactUrl(src.repository)}${src.ref ? ` at ${src.ref}` : ''} (${src.where})`;
  if (!/^[0-9a-f]{40}$/.test(src.commit)) {
    logger.warn(`lupine pkg: ${what} has no expected-commit: not taken from the source store`);
    return;
  }
  const path = gitBundlePath(store, src.commit);
  if (await isFile(path)) {
    const head = await bundleHead(path);
    if (head !== src.commit) {
      throw new LupineError(
        'SOURCE_CHECKSUM_MISMATCH',
        `the source store's copy of ${what} is damaged: ${path} holds commit ${head || '(none)'}, its name says ${src.commit}`,
        {
          details: { path, expected: src.commit, actual: head },
          hint: `remove ${path} and fetch the source again`,
        },
      );
    }
    logger.info(`lupine pkg: git source ${src.commit.slice(0, 12)} from the store for ${redactUrl(src.repository)}`);
  } else {
    if (!o.network) {
      throw new LupineError('SOURCE_MISSING', `${what} is not in the source store (${path}) and the network is off`, {
        details: { path },
        hint: 'fill the store with a networked build first (or copy the bundle in)',
      });
    }
    const tmp = await mkdtemp(join(store.dir, '.git-'));
    try {
      const work = join(tmp, 'src');
      const ref = src.ref ? ['--branch', src.ref] : [];
      await git(['clone', '--quiet', '--no-checkout', ...ref, src.repository, work], undefined, o.signal).catch(
        (err: unknown) => {
          throw new LupineError('SOURCE_MISSING', `${what} is not in the source store and cloning it failed`, {
            cause: err,
            details: { path },
            hint: (err as Error).message,
          });
        },
      );
      const head = (await git(['rev-parse', 'HEAD^{commit}'], work)).trim();
      const wanted = (
        await git(['rev-parse', '--verify', '--quiet', `${src.commit}^{commit}`], work).catch(() => '')
      ).trim();
      if (head !== src.commit && wanted !== src.commit) {
        throw new LupineError(
          'SOURCE_CHECKSUM_MISMATCH',
          `${what}: ${src.ref || 'HEAD'} is commit ${head}, the recipe expects ${src.commit}`,
          {
            details: { expected: src.commit, actual: head },
            hint: `if ${src.ref || 'HEAD'} moved to the release you want, set expected-commit: ${head}`,
          },
        );
      }
      await git(['branch', '-f', BRANCH, src.commit], work);
      const bundle = join(tmp, 'out.bundle');
      await git(['bundle', 'create', '--quiet', bundle, `refs/heads/${BRANCH}`], work);
      await linkOrCopy(bundle, path);
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }
  if (o.stageDir !== undefined) await linkOrCopy(path, join(o.stageDir, 'git', `${src.commit}.bundle`));
}
