import * as zlib from 'node:zlib';
import { isInDir } from './package-tree.js';
import type { ScaContext, ScaFindings } from './sca-types.js';

/**
 * melange's kernel SCA: a kernel image under boot/, lib/modules/ or usr/lib/modules/ provides
 * `linux:<version>`; a module under (usr/)lib/modules/ depends on `linux:<vermagic version>`.
 * Kernels may be plain, gzip-compressed, x86 bzImages (the boot header's version pointer) or ARM
 * zImages (an embedded gzip stream); modules may be plain or gzip-compressed (and zstd where
 * node:zlib has it). xz-compressed modules and UKI (PE) images are not unwrapped here.
 */
export const BOOT_DIRS: readonly string[] = ['boot/...', 'lib/modules/...', 'usr/lib/modules/...'];
export const MODULE_DIRS: readonly string[] = ['usr/lib/modules/...', 'lib/modules/...'];

const VERSION = /^[0-9.\-_A-Za-z]+/;
const MAX_INFLATED = 512 * 1024 * 1024;

function gunzip(data: Uint8Array): Buffer | undefined {
  if (data.length < 3 || data[0] !== 0x1f || data[1] !== 0x8b || data[2] !== 0x08) return undefined;
  try {
    return zlib.gunzipSync(data, { finishFlush: zlib.constants.Z_SYNC_FLUSH, maxOutputLength: MAX_INFLATED });
  } catch {
    return undefined;
  }
}

function unzstd(data: Uint8Array): Buffer | undefined {
  const z = zlib as unknown as { zstdDecompressSync?: (b: Uint8Array) => Buffer };
  if (z.zstdDecompressSync === undefined || data.length < 4) return undefined;
  if (data[0] !== 0x28 || data[1] !== 0xb5 || data[2] !== 0x2f || data[3] !== 0xfd) return undefined;
  try {
    return z.zstdDecompressSync(data);
  } catch {
    return undefined;
  }
}

/** The rest of the line after the first `prefix`, up to NUL or newline, trimmed; undefined when absent or empty. */
export function scanForPrefix(data: Uint8Array, prefix: string): string | undefined {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const at = buf.indexOf(prefix, 0, 'latin1');
  if (at < 0) return undefined;
  let end = at + prefix.length;
  while (end < buf.length && buf[end] !== 0 && buf[end] !== 0x0a) end++;
  const s = buf
    .subarray(at + prefix.length, end)
    .toString('utf8')
    .trim();
  return s === '' ? undefined : s;
}

/** The x86 boot header's kernel_version string (pointer at 526, string at pointer + 0x200). */
function bootHeaderVersion(data: Uint8Array): string | undefined {
  if (data.length < 528 || Buffer.from(data.subarray(514, 518)).toString('latin1') !== 'HdrS') return undefined;
  const ptr = (data[526] as number) | ((data[527] as number) << 8);
  if (ptr === 0) return undefined;
  let end = ptr + 0x200;
  const start = end;
  while (end < data.length && data[end] !== 0 && data[end] !== 0x0a) end++;
  const s = Buffer.from(data.subarray(start, end)).toString('utf8').trim();
  return s === '' ? undefined : s;
}

export function kernelVersion(raw: Uint8Array): string | undefined {
  const data = gunzip(raw) ?? raw;
  const fromHeader = bootHeaderVersion(data);
  if (fromHeader !== undefined) return fromHeader;
  const gz = Buffer.from(data.buffer, data.byteOffset, data.byteLength).indexOf(Buffer.from([0x1f, 0x8b, 0x08]));
  if (gz >= 0) {
    const inner = gunzip(data.subarray(gz));
    const v = inner === undefined ? undefined : scanForPrefix(inner, 'Linux version ');
    if (v !== undefined) return v;
  }
  return scanForPrefix(data, 'Linux version ');
}

export function moduleVermagic(raw: Uint8Array): string | undefined {
  return scanForPrefix(gunzip(raw) ?? unzstd(raw) ?? raw, 'vermagic=');
}

export async function kernelDeps(ctx: ScaContext, out: ScaFindings): Promise<void> {
  for (const e of ctx.tree.entries) {
    if (e.type !== 'file' && e.type !== 'hardlink') continue;
    const boot = isInDir(e.path, BOOT_DIRS);
    const module = isInDir(e.path, MODULE_DIRS);
    if (!boot && !module) continue;
    const data = await ctx.tree.read(e.path);
    if (data === undefined) continue;
    if (boot) {
      const v = kernelVersion(data);
      if (v !== undefined) out.provides.push(`linux:${VERSION.exec(v)?.[0] ?? ''}`);
    }
    if (module) {
      const v = moduleVermagic(data);
      if (v !== undefined) out.runtime.push(`linux:${VERSION.exec(v)?.[0] ?? ''}`);
    }
  }
}
