/**
 * The one arch-selection rule of every command that builds or resolves for architectures (image
 * build / lock / publish / dot / show-packages, pkg build / test, distro): what `--arch` asks for,
 * else what the config lists, else the command's default.
 */
import { LupineError } from '../core/index.js';
import { ARCH_TABLE, archRow } from './arch.js';
import { hostApkArch } from './host-arch.js';

export interface ArchSelection {
  /** `--arch` values as given; each may be a comma-separated list of apk or OCI names, `host` or `all`. */
  readonly requested?: string | readonly string[] | undefined;
  /** The config's architectures (an image config's `archs`), used when nothing is requested. */
  readonly configured?: readonly string[];
  /** With neither: every arch (apko's rule for images) or this machine's (melange's, distro's). */
  readonly otherwise: 'all' | 'host';
  /** Names the command in the error for an unknown name. */
  readonly command: string;
  /** This machine's arch as `os.arch()` names it (tests pass one). */
  readonly nodeArch?: string;
}

/** Every apk architecture, in apko's order (the table's). */
const EVERY_ARCH: readonly string[] = ARCH_TABLE.map((r) => r.apk);

/** This machine's apk arch; x86_64 where the table has no row for it. */
export function hostBuildArch(nodeArch?: string): string {
  return archRow(hostApkArch(nodeArch))?.apk ?? 'x86_64';
}

/**
 * The apk architectures to work on, deduplicated and in apko's order. `all` anywhere means every
 * arch; `host` is this machine's. An unknown name is USAGE, naming the command.
 */
export function selectArchs(s: ArchSelection): string[] {
  const given = typeof s.requested === 'string' ? [s.requested] : (s.requested ?? []);
  const names = given
    .flatMap((f) => f.split(','))
    .map((n) => n.trim())
    .filter((n) => n !== '');
  if (names.length === 0) {
    if (s.configured && s.configured.length > 0) return inTableOrder(s.configured);
    return s.otherwise === 'all' ? [...EVERY_ARCH] : [hostBuildArch(s.nodeArch)];
  }
  if (names.includes('all')) return [...EVERY_ARCH];
  return inTableOrder(
    names.map((n) => (n === 'host' ? hostBuildArch(s.nodeArch) : n)),
    s.command,
  );
}

function inTableOrder(names: readonly string[], command?: string): string[] {
  const set = new Set<string>();
  for (const n of names) {
    const apk = archRow(n)?.apk;
    if (apk === undefined) {
      throw new LupineError('USAGE', `${command ?? 'config'}: unknown arch '${n}'`, {
        details: { arch: n },
        hint: 'use an OCI name (amd64, arm64, arm/v7, …), an apk name (x86_64, aarch64, …), host or all',
      });
    }
    set.add(apk);
  }
  return EVERY_ARCH.filter((a) => set.has(a));
}

/** The same rule for a command that works on one arch at a time: more than one is USAGE. */
export function selectArch(s: ArchSelection): string {
  const archs = selectArchs(s);
  if (archs.length !== 1) {
    throw new LupineError('USAGE', `${s.command} works on one arch at a time, not ${archs.join(', ')}`, {
      details: { archs },
      hint: 'give one --arch',
    });
  }
  return archs[0] as string;
}
