/** apko's architectures: OCI names and apk names, normalised to apk names in apko's order. */
import { ARCH_TABLE, archRow, selectArchs } from '../../apk/index.js';
import type { ApkArch } from './types.js';

/** Every architecture apko builds when asked for `all` (or when none is configured), in its order. */
export const ALL_ARCHS: readonly ApkArch[] = ARCH_TABLE.map((r) => r.apk as ApkArch);

/** The apk name for an OCI or apk architecture name; undefined when apko does not know it. */
export function toApkArch(name: string): ApkArch | undefined {
  return archRow(name)?.apk as ApkArch | undefined;
}

/** The OCI platform of an apk architecture: `linux/<arch>` plus a variant for 32-bit ARM. */
export function ociPlatform(arch: ApkArch): { os: 'linux'; architecture: string; variant?: string } {
  const oci = archRow(arch)?.oci ?? arch;
  const [architecture, variant] = oci.split('/') as [string, string | undefined];
  return variant ? { os: 'linux', architecture, variant } : { os: 'linux', architecture };
}

/**
 * Normalises configured names: `all` means every architecture; others are deduplicated and put
 * in apko's order. Unknown names are skipped (the decoder already reported them).
 */
export function normalizeArchs(names: readonly string[]): ApkArch[] {
  if (names.includes('all')) return [...ALL_ARCHS];
  const set = new Set<ApkArch>();
  for (const n of names) {
    const a = toApkArch(n);
    if (a) set.add(a);
  }
  return ALL_ARCHS.filter((a) => set.has(a));
}

/**
 * The image's architectures by the one arch-selection rule (apk/select-archs.ts): `--arch` values
 * (csv, `host`, `all`), else the config's `archs`, else every arch; in apko's order.
 */
export function imageArchs(
  config: { readonly archs: readonly ApkArch[] },
  requested: string | readonly string[] | undefined,
  command: string,
): ApkArch[] {
  return selectArchs({ requested, configured: config.archs, otherwise: 'all', command }) as ApkArch[];
}
