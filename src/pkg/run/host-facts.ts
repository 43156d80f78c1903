/** Facts about the host a build needs: its architecture, binfmt_misc emulators, the recipe's git state. */
import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { hostApkArch } from '../../apk/index.js';
import { LupineError } from '../../core/index.js';

/** What a host of one arch runs natively besides its own. */
const NATIVE_EXTRA: Readonly<Record<string, readonly string[]>> = {
  x86_64: ['x86'],
  aarch64: ['armv7', 'armhf'],
};

/** The qemu name binfmt_misc entries use for an apk arch. */
const QEMU: Readonly<Record<string, string>> = {
  x86_64: 'x86_64',
  aarch64: 'aarch64',
  x86: 'i386',
  armv7: 'arm',
  armhf: 'arm',
  ppc64le: 'ppc64le',
  s390x: 's390x',
  riscv64: 'riscv64',
  loongarch64: 'loongarch64',
};

/**
 * Throws BUILD_ARCH_UNSUPPORTED when `arch` is foreign to this host and binfmt_misc has no enabled
 * emulator for it (there is no cross-compilation: foreign builds run under emulation).
 */
export async function checkArchRunnable(
  arch: string,
  host: string = hostApkArch(),
  binfmtDir = '/proc/sys/fs/binfmt_misc',
): Promise<void> {
  if (arch === host || (NATIVE_EXTRA[host] ?? []).includes(arch)) return;
  const qemu = QEMU[arch] ?? arch;
  const names = await readdir(binfmtDir).catch(() => [] as string[]);
  for (const n of names) {
    if (!n.toLowerCase().includes(qemu)) continue;
    const text = await readFile(join(binfmtDir, n), 'utf8').catch(() => '');
    if (text.startsWith('enabled')) return;
  }
  throw new LupineError(
    'BUILD_ARCH_UNSUPPORTED',
    `cannot build for ${arch} on this ${host} host: no binfmt_misc emulator for ${arch} is registered`,
    {
      details: { arch, host, binfmtDir },
      hint: `register qemu-user-static for ${qemu} (e.g. docker run --privileged --rm tonistiigi/binfmt --install ${qemu}), or build with --arch ${host}`,
    },
  );
}

function git(dir: string, args: string[]): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile('git', ['-C', dir, ...args], { timeout: 10_000 }, (err, stdout) => resolve(err ? undefined : stdout));
  });
}

/** The recipe directory's git HEAD when the work tree is clean; undefined otherwise (or without git). */
export async function cleanGitHead(dir: string): Promise<string | undefined> {
  const [status, head] = await Promise.all([
    git(dir, ['status', '--porcelain', '--untracked-files=no']),
    git(dir, ['rev-parse', 'HEAD']),
  ]);
  if (status === undefined || head === undefined || status.trim() !== '') return undefined;
  const h = head.trim();
  return /^[0-9a-f]{40,64}$/.test(h) ? h : undefined;
}

/** `--build-date`: Unix seconds, or an RFC 3339 / ISO 8601 date. */
export function parseBuildDate(value: string): number {
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const ms = Date.parse(value);
  if (Number.isNaN(ms) || ms < 0) {
    throw new LupineError('USAGE', `--build-date '${value}' is neither Unix seconds nor an RFC 3339 date`, {
      hint: 'e.g. --build-date 2024-01-02T03:04:05Z, or SOURCE_DATE_EPOCH=$(git log -1 --format=%ct)',
    });
  }
  return Math.floor(ms / 1000);
}
