import { type ElfInfo, isElf, parseElf } from './elf.js';
import { goFipsDepends, readGoBuildInfo } from './go-buildinfo.js';
import { baseOf, isInDir, type TreeView } from './package-tree.js';
import { determineProviderVersion } from './provider-version.js';
import type { ScaContext, ScaFindings } from './sca-types.js';

/** Where a SONAME makes a `so:` provide rather than a vendored library. */
export const LIB_DIRS: readonly string[] = ['lib/', 'usr/lib/', 'lib64/', 'usr/lib64/'];

/** Libraries the host's NVIDIA driver injects: never depended on, never provided. */
const HOST_PROVIDED = new Set([
  'libEGL_nvidia.so.1',
  'libGLESv1_CM_nvidia.so.1',
  'libGLESv2_nvidia.so.1',
  'libGLX_nvidia.so.1',
  'libcuda.so.1',
  'libcudadebugger.so.1',
  'libnvcuvid.so.1',
  'libnvidia-allocator.so.1',
  'libnvidia-cfg.so.1',
  'libnvidia-eglcore.so.1',
  'libnvidia-encode.so.1',
  'libnvidia-fbc.so.1',
  'libnvidia-glcore.so.1',
  'libnvidia-glsi.so.1',
  'libnvidia-glvkspirv.so.1',
  'libnvidia-gpucomp.so.1',
  'libnvidia-ml.so.1',
  'libnvidia-ngx.so.1',
  'libnvidia-nvvm.so.1',
  'libnvidia-opencl.so.1',
  'libnvidia-opticalflow.so.1',
  'libnvidia-pkcs11-openssl3.so.1',
  'libnvidia-pkcs11.so.1',
  'libnvidia-ptxjitcompiler.so.1',
  'libnvidia-rtcore.so.1',
  'libnvidia-tls.so.1',
  'libnvoptix.so.1',
]);

/** The `=N` of a `so:` provide: what follows `.so.` when it is digits and dots, else "0". */
export function sonameLibver(soname: string): string {
  const parts = soname.split('.so.');
  if (parts.length < 2) return '0';
  const libver = parts[1] as string;
  return /^[0-9.]*$/.test(libver) ? libver : '0';
}

/** Extra library directories from `etc/ld.so.conf.d/*.conf` of every related package. */
export async function ldSoConfDirs(related: readonly TreeView[]): Promise<string[]> {
  const out: string[] = [];
  for (const t of related) {
    for (const e of t.entries) {
      if (!e.path.startsWith('etc/ld.so.conf.d/') || !e.path.endsWith('.conf')) continue;
      if (e.type !== 'file' && e.type !== 'hardlink') continue;
      const data = await t.read(e.path);
      if (data === undefined) continue;
      for (const line of Buffer.from(data).toString('utf8').split(/\r?\n/)) {
        if (line.startsWith('/')) out.push(line.slice(1));
      }
    }
  }
  return out;
}

function parseQuiet(ctx: ScaContext, data: Uint8Array, path: string): ElfInfo | undefined {
  if (!isElf(data)) return undefined;
  try {
    return parseElf(data, path);
  } catch (err) {
    ctx.logger.warn(`${ctx.tree.name}: skipping ${path}: ${(err as Error).message}`);
    return undefined;
  }
}

function addShlibDepend(ctx: ScaContext, out: ScaFindings, lib: string): void {
  out.runtime.push(`so:${lib}`);
  if (ctx.options.noVersionedShlibDeps) return;
  const ver = determineProviderVersion(ctx.providers, ctx.tree.version, `so:${lib}`, `so-ver:${lib}`);
  if (ver !== '') out.runtime.push(`so-ver:${lib}>=${ver}`);
}

/** A symlink whose name mentions `.so`: depend on the SONAME of the library it points to in any related package. */
async function symlinkDepends(
  ctx: ScaContext,
  path: string,
  libDirs: readonly string[],
  out: ScaFindings,
): Promise<void> {
  if (!path.includes('.so')) return;
  const link = ctx.tree.lstat(path)?.linkname ?? '';
  const realBase = baseOf(link.replace(/\/+$/, ''));
  for (const rel of ctx.related) {
    for (const dir of libDirs) {
      const testPath = `${dir.replace(/\/+$/, '')}/${realBase}`;
      if (rel.stat(testPath) === undefined) continue;
      const data = await rel.read(testPath);
      const elf = data === undefined ? undefined : parseQuiet(ctx, data, `${rel.name}:${testPath}`);
      if (elf === undefined) return;
      for (const soname of elf.soname) {
        if (!HOST_PROVIDED.has(soname)) addShlibDepend(ctx, out, soname);
      }
      return;
    }
  }
}

/** melange's generateSharedObjectNameDeps over one package tree. */
export async function sharedObjectDeps(
  ctx: ScaContext,
  extraLibDirs: readonly string[],
  out: ScaFindings,
): Promise<void> {
  const libDirs = [...LIB_DIRS, ...extraLibDirs];
  for (const e of ctx.tree.entries) {
    const isLink = e.type === 'symlink';
    if (isLink) await symlinkDepends(ctx, e.path, libDirs, out);
    if (!isLink && e.type !== 'file' && e.type !== 'hardlink') continue;
    const data = await ctx.tree.read(e.path);
    if (data === undefined) continue;
    const elf = parseQuiet(ctx, data, e.path);
    if (elf === undefined) continue;
    const base = baseOf(e.path);
    if (elf.interpreter !== undefined && elf.interpreter !== '') {
      let interpLib = baseOf(elf.interpreter);
      if (interpLib.startsWith('ld-musl')) interpLib = `libc.musl${interpLib.slice('ld-musl'.length)}`;
      addShlibDepend(ctx, out, interpLib);
    }
    for (const lib of elf.needed) {
      if (HOST_PROVIDED.has(lib) || !lib.includes('.so.')) continue;
      addShlibDepend(ctx, out, lib);
    }
    const executable = elf.interpreter !== undefined && elf.interpreter !== '';
    if (!executable || base.includes('.so.') || base.endsWith('.so')) {
      for (const soname of elf.soname) {
        if (HOST_PROVIDED.has(soname)) continue;
        const libver = sonameLibver(soname);
        const target = isInDir(e.path, libDirs) ? out.provides : out.vendored;
        target.push(`so:${soname}=${libver}`, `so-ver:${soname}=${ctx.tree.version}`);
      }
    }
    const go = readGoBuildInfo(
      data,
      elf.sectionTable.find((sec) => sec.name === '.go.buildinfo' && sec.type !== 8),
    );
    if (go !== undefined) out.runtime.push(...goFipsDepends(go));
  }
}
