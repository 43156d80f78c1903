import { ARCH_TABLE, archRow as rowFor } from '../apk/index.js';
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

function badArch(name: string): LupineError {
  return new LupineError('OCI_BAD_PLATFORM', `unknown architecture "${name}"`, {
    details: { arch: name },
    hint: `use an apk name (${knownApkArches.join(', ')}) or an OCI name (amd64, arm64, arm/v7, arm/v6, 386, …)`,
  });
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
  // apko writes aarch64 as `arm64` with no variant (see its golden index.json).
  const [architecture, ociVariant] = row.oci.split('/') as [string, string | undefined];
  const variant = ociVariant ?? (row.apk === 'aarch64' && options.arm64Variant ? 'v8' : undefined);
  return variant === undefined ? { architecture, os: 'linux' } : { architecture, os: 'linux', variant };
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
export const knownApkArches: readonly string[] = ARCH_TABLE.map((a) => a.apk);
