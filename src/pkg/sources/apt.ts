/**
 * Debian's source archive through apt, with the machine's own configured `deb-src` entries (I/O
 * edge): which files a source package version has, which versions the suites list, and downloading
 * one file checked against apt's SHA256. No archive host is named here: apt knows it.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LupineError } from '../../core/index.js';
import { type AptSourceFile, parsePrintUris, parseShowsrcVersions } from './debian-version.js';

/** What `lupine distro fetch` and `outdated` need from apt. */
export interface AptSource {
  files(pkg: string, version: string): Promise<AptSourceFile[]>;
  versions(pkg: string): Promise<string[]>;
  download(file: AptSourceFile, dest: string): Promise<void>;
}

const HINT = 'run ./setup.sh as root (it enables deb-src for the suites distro/ pins from and runs apt-get update)';

/** `APT_CONFIG` (another apt configuration: tests point apt at a local archive) is passed on. */
export interface SystemAptOptions {
  readonly aptConfig?: string;
  readonly signal?: AbortSignal;
}

function run(cmd: string, args: readonly string[], cwd: string, o: SystemAptOptions): Promise<string> {
  const signal = o.signal;
  return new Promise((resolve, reject) => {
    execFile(
      cmd,
      args,
      {
        cwd,
        maxBuffer: 64 * 1024 * 1024,
        env: {
          PATH: '/usr/sbin:/usr/bin:/sbin:/bin',
          LC_ALL: 'C',
          ...(o.aptConfig ? { APT_CONFIG: o.aptConfig } : {}),
        },
        ...(signal ? { signal } : {}),
      },
      (err, stdout, stderr) => (err ? reject(new Error(stderr.trim() || err.message)) : resolve(stdout)),
    );
  });
}

export function systemApt(o: SystemAptOptions = {}): AptSource {
  return {
    async files(pkg, version) {
      const dir = await mkdtemp(join(tmpdir(), 'lupine-apt-'));
      try {
        const out = await run(
          'apt-get',
          ['source', '--print-uris', '-qq', '--only-source', `${pkg}=${version}`],
          dir,
          o,
        );
        return parsePrintUris(out);
      } catch (err) {
        throw new LupineError(
          'SOURCE_MISSING',
          `apt does not know Debian source ${pkg}=${version}: ${(err as Error).message}`,
          {
            hint: HINT,
          },
        );
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
    async versions(pkg) {
      const out = await run('apt-cache', ['showsrc', '--only-source', pkg], '/', o).catch(() => '');
      return parseShowsrcVersions(out);
    },
    async download(file, dest) {
      if (file.sha256 === '')
        throw new LupineError('SOURCE_UNPINNED', `apt names no SHA256 for ${file.file}`, { hint: HINT });
      await run('/usr/lib/apt/apt-helper', ['download-file', file.uri, dest, `SHA256:${file.sha256}`], '/', o).catch(
        (err: unknown) => {
          throw new LupineError(
            'SOURCE_MISSING',
            `downloading ${file.file} with apt failed: ${(err as Error).message}`,
            {
              hint: 'the archive lists some versions whose files it does not serve: pin a version that downloads',
            },
          );
        },
      );
    },
  };
}
