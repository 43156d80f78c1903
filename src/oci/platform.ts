import { LupineError } from '../core/index.js';

/** An OCI platform, fields as the image-spec names them. */
export interface Platform {
  readonly architecture: string;
  readonly os: string;
  readonly 'os.version'?: string;
  readonly 'os.features'?: readonly string[];
  readonly variant?: string;
  readonly features?: readonly string[];
}

interface ArchRow {
  readonly apk: string;
  readonly oci: string;
  readonly variant?: string;
}

// apk arch ↔ OCI architecture/variant (apko's table). aarch64 is `arm64` with no variant in the
// descriptors and configs apko writes (see its golden index.json); `arm64/v8` is accepted on input.
const ARCHES: readonly ArchRow[] = [
  { apk: 'x86_64', oci: 'amd64' },
  { apk: 'aarch64', oci: 'arm64' },
  { apk: 'armv7', oci: 'arm', variant: 'v7' },
  { apk: 'armhf', oci: 'arm', variant: 'v6' },
  { apk: 'x86', oci: '386' },
  { apk: 'ppc64le', oci: 'ppc64le' },
  { apk: 's390x', oci: 's390x' },
  { apk: 'riscv64', oci: 'riscv64' },
  { apk: 'loongarch64', oci: 'loong64' },
];

function badArch(name: string): LupineError {
  return new LupineError('OCI_BAD_PLATFORM', `unknown architecture "${name}"`, {
    details: { arch: name },
    hint: `use an apk name (${ARCHES.map((a) => a.apk).join(', ')}) or an OCI name (amd64, arm64, arm/v7, arm/v6, 386, …)`,
  });
}

function rowFor(name: string): ArchRow | undefined {
  const n = name.startsWith('linux/') ? name.slice('linux/'.length) : name;
  const byApk = ARCHES.find((a) => a.apk === n);
  if (byApk) return byApk;
  if (n === 'arm64/v8' || n === 'aarch64') return ARCHES[1];
  if (n === 'loongarch64') return ARCHES[8];
  const [arch, variant] = n.split('/');
  return ARCHES.find((a) => a.oci === arch && (a.variant ?? '') === (variant ?? ''));
}

/** The apk arch for an apk or OCI name (`x86_64`, `amd64`, `linux/arm/v7`, `arm64/v8`). */
export function apkArch(name: string): string {
  const row = rowFor(name);
  if (!row) throw badArch(name);
  return row.apk;
}

export interface PlatformOptions {
  /** Write `variant: v8` for arm64 (the image-spec's suggestion; apko leaves it out). Default false. */
  readonly arm64Variant?: boolean;
}

/** The linux platform for an apk or OCI arch name. */
export function platformFor(name: string, options: PlatformOptions = {}): Platform {
  const row = rowFor(name);
  if (!row) throw badArch(name);
  const variant = row.variant ?? (row.apk === 'aarch64' && options.arm64Variant ? 'v8' : undefined);
  return variant === undefined
    ? { architecture: row.oci, os: 'linux' }
    : { architecture: row.oci, os: 'linux', variant };
}

/** The apk arch of an OCI platform. */
export function apkArchOf(p: Platform): string {
  return apkArch(p.variant ? `${p.architecture}/${p.variant}` : p.architecture);
}

/** `linux/arm/v7` style. */
export function platformString(p: Platform): string {
  return [p.os, p.architecture, p.variant].filter((x) => x !== undefined && x !== '').join('/');
}

/** Every apk arch lupine knows, in apko's order. */
export const knownApkArches: readonly string[] = ARCHES.map((a) => a.apk);
