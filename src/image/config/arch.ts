/** apko's architectures: OCI names and apk names, normalised to apk names in apko's order. */
import type { ApkArch } from './types.js';

/** OCI name → apk name, in the order apko sorts them (lexical by OCI name). */
const OCI_TO_APK: readonly (readonly [string, ApkArch])[] = [
  ['386', 'x86'],
  ['amd64', 'x86_64'],
  ['arm/v6', 'armhf'],
  ['arm/v7', 'armv7'],
  ['arm64', 'aarch64'],
  ['loong64', 'loongarch64'],
  ['ppc64le', 'ppc64le'],
  ['riscv64', 'riscv64'],
  ['s390x', 's390x'],
];

/** Every architecture apko builds when asked for `all` (or when none is configured). */
export const ALL_ARCHS: readonly ApkArch[] = OCI_TO_APK.map(([, apk]) => apk);

/** The apk name for an OCI or apk architecture name; undefined when apko does not know it. */
export function toApkArch(name: string): ApkArch | undefined {
  for (const [oci, apk] of OCI_TO_APK) if (name === oci || name === apk) return apk;
  return undefined;
}

/** The OCI platform of an apk architecture: `linux/<arch>` plus a variant for 32-bit ARM. */
export function ociPlatform(arch: ApkArch): { os: 'linux'; architecture: string; variant?: string } {
  const oci = OCI_TO_APK.find(([, apk]) => apk === arch)?.[0] ?? arch;
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
