import { baseOf, dirOf } from '../sca/package-tree.js';
import type { LintContext, LintProblem } from './lint-types.js';

const INFO = /^usr\/(?:local\/)?share\/info\/(?:dir|[^/]+\.info(?:-[0-9]+)?(?:\.(?:gz|bz2|xz|lzma|Z))?)$/;
const MAN =
  /^usr\/(?:local\/)?share\/man(?:\/man[0-9][^/]*)?(?:\/[^/]+\.[0-9][^/]*(?:\.(?:gz|bz2|xz|lzma|Z))?)?$|^usr\/man(?:\/man[0-9][^/]*)?(?:\/[^/]+\.[0-9][^/]*(?:\.(?:gz|bz2|xz|lzma|Z))?)?$/;
const CUDA_DRIVER_LIB = /^usr\/lib\/lib(cuda|nvidia-ml)\.so(\.[0-9]+)*$/;
const DOCUMENTATION = /(?:READ(?:\.?ME)?|TODO|CREDITS|\.(?:md|docx?|rst|[0-9][a-z]))$/;
export const SHARED_OBJECT = /\.so(?:\.[0-9]+)*$/;
const PKGCONF_DIR = /^usr\/(lib|share)\/pkgconfig\//;
const TEMP_DIR = /^(var\/)?(tmp|run)\//;

const ext = (path: string) => {
  const base = baseOf(path);
  const i = base.lastIndexOf('.');
  return i < 0 ? '' : base.slice(i);
};
const plural = (n: number, one: string, many: string) => (n > 1 ? many : one);

/** melange's AllPaths: every non-directory entry the predicate accepts, or nothing. */
function allPaths(
  ctx: LintContext,
  predicate: (path: string) => boolean,
  message: (name: string, paths: readonly string[]) => string,
): LintProblem | undefined {
  const paths = ctx.tree.entries.filter((e) => e.type !== 'dir' && predicate(e.path)).map((e) => e.path);
  return paths.length === 0 ? undefined : { message: message(ctx.tree.name, paths), paths };
}

const isCompat = (ctx: LintContext) => ctx.tree.name.endsWith('-compat');

export const dev = async (ctx: LintContext) =>
  allPaths(
    ctx,
    (p) => p.startsWith('dev/'),
    (n) => `${n} writes to /dev`,
  );
export const opt = async (ctx: LintContext) =>
  isCompat(ctx)
    ? undefined
    : allPaths(
        ctx,
        (p) => p.startsWith('opt/'),
        (n) => `${n} writes to /opt`,
      );
export const srv = async (ctx: LintContext) =>
  isCompat(ctx)
    ? undefined
    : allPaths(
        ctx,
        (p) => p.startsWith('srv/'),
        (n) => `${n} writes to /srv`,
      );
export const usrlocal = async (ctx: LintContext) =>
  isCompat(ctx)
    ? undefined
    : allPaths(
        ctx,
        (p) => p.startsWith('usr/local/'),
        (n) => `${n} contains /usr/local path in non-compat package`,
      );
export const varempty = async (ctx: LintContext) =>
  allPaths(
    ctx,
    (p) => p.startsWith('var/empty/'),
    (n) => `${n} writes to /var/empty`,
  );
export const tempdir = async (ctx: LintContext) => {
  // Non-directories under tmp/ or var/tmp/, and anything under run/ or var/run/.
  const paths = ctx.tree.entries
    .filter(
      (e) => (e.type !== 'dir' && TEMP_DIR.test(e.path)) || e.path.startsWith('run/') || e.path.startsWith('var/run/'),
    )
    .map((e) => e.path);
  return paths.length === 0 ? undefined : { message: `${ctx.tree.name} writes to a temp dir`, paths };
};
export const infodir = async (ctx: LintContext) =>
  allPaths(
    ctx,
    (p) => p.startsWith('usr/share/info/dir/'),
    (n) => `${n} writes to /usr/share/info/dir/`,
  );
export const libtool = async (ctx: LintContext) =>
  allPaths(
    ctx,
    (p) => ext(p) === '.la',
    (n, ps) =>
      `${n} contains ${ps.length} libtool archive (.la) ${plural(ps.length, 'file', 'files')}. Remove them in the build pipeline; if this package legitimately needs to ship .la files, disable this linter via checks.disabled`,
  );
export const object = async (ctx: LintContext) =>
  allPaths(
    ctx,
    (p) => ext(p) === '.o',
    (n, ps) =>
      `${n} contains ${ps.length} intermediate object ${plural(ps.length, 'file', 'files')}. This is usually wrong. In most cases they should be removed`,
  );
export const maninfo = async (ctx: LintContext) =>
  ctx.tree.name.endsWith('-doc')
    ? undefined
    : allPaths(
        ctx,
        (p) => MAN.test(p) || INFO.test(p),
        (n, ps) =>
          `${n} contains ${ps.length} man/info ${plural(ps.length, 'file', 'files')} but is not a documentation package`,
      );
export const documentation = async (ctx: LintContext) =>
  ctx.tree.name.endsWith('-doc')
    ? undefined
    : allPaths(
        ctx,
        (p) => DOCUMENTATION.test(p),
        (n, ps) =>
          `${n} contains ${ps.length} documentation ${plural(ps.length, 'file', 'files')} but is not a documentation package`,
      );
export const sbom = async (ctx: LintContext) =>
  allPaths(
    ctx,
    (p) => dirOf(p) === 'var/lib/db/sbom' && !p.endsWith('.spdx.json'),
    (n) => `${n} writes to var/lib/db/sbom`,
  );
export const staticarchive = async (ctx: LintContext) =>
  ctx.tree.name.endsWith('-dev') || ctx.tree.name.endsWith('-static')
    ? undefined
    : allPaths(
        ctx,
        (p) => ext(p) === '.a',
        (n, ps) =>
          `${n} contains ${ps.length} static ${plural(ps.length, 'archive', 'archives')}. Static archives bloat packages and should typically be in -dev packages or removed`,
      );
export const dll = async (ctx: LintContext) =>
  ctx.tree.name.endsWith('-dev')
    ? undefined
    : allPaths(
        ctx,
        (p) => ext(p) === '.dll',
        (n, ps) => `${n} contains ${ps.length} DLL ${plural(ps.length, 'file', 'files')}`,
      );
export const dylib = async (ctx: LintContext) =>
  ctx.tree.name.endsWith('-dev')
    ? undefined
    : allPaths(
        ctx,
        (p) => ext(p) === '.dylib',
        (n, ps) => `${n} contains ${ps.length} dylib ${plural(ps.length, 'file', 'files')}`,
      );
export const cudaruntimelib = async (ctx: LintContext) =>
  allPaths(
    ctx,
    (p) => CUDA_DRIVER_LIB.test(p),
    (n) => `${n} contains CUDA driver-specific libraries`,
  );

function hasTest(ctx: LintContext, uses: readonly string[]): boolean {
  return (ctx.testUses ?? []).some((u) => uses.includes(u));
}
export const pkgconf = async (ctx: LintContext) =>
  hasTest(ctx, ['test/pkgconf'])
    ? undefined
    : allPaths(
        ctx,
        (p) => PKGCONF_DIR.test(p),
        (n) =>
          ctx.testUses === undefined
            ? `${n} contains pkgconfig files but missing .melange.yaml`
            : `${n} contains pkgconfig files but test/pkgconf is not configured`,
      );
export const lddcheck = async (ctx: LintContext) =>
  hasTest(ctx, ['test/ldd-check', 'test/tw/ldd-check'])
    ? undefined
    : allPaths(
        ctx,
        (p) => SHARED_OBJECT.test(p),
        (n) =>
          ctx.testUses === undefined
            ? `${n} contains shared objects but missing .melange.yaml`
            : `${n} contains shared objects but test/ldd-check is not configured`,
      );

/**
 * Paths in sbin, bin, usr/sbin, lib or lib64 (the entries themselves included, symlinks too).
 * melange prunes its walk with fs.SkipDir for everything else; returned for a file, SkipDir also
 * skips the rest of that file's directory, and that is kept here.
 */
export const usrmerge = async (ctx: LintContext): Promise<LintProblem | undefined> => {
  const dirs = ['sbin', 'bin', 'usr/sbin', 'lib', 'lib64'];
  const inDirs = (p: string) => dirs.some((d) => p === d || p.startsWith(`${d}/`));
  const skipped: string[] = [];
  const paths: string[] = [];
  for (const e of ctx.tree.entries) {
    const p = e.path;
    if (skipped.some((s) => p.startsWith(s))) continue;
    if (p.startsWith('var/lib/db/sbom/') || !(p === 'usr' || inDirs(p))) {
      const dir = dirOf(p);
      skipped.push(e.type === 'dir' ? `${p}/` : dir === '.' ? '' : `${dir}/`);
      continue;
    }
    if (inDirs(p)) paths.push(p);
  }
  if (paths.length === 0) return undefined;
  return { message: ['Package contains paths in violation of usrmerge:', ...paths].join('\n'), paths };
};

const NON_LINUX: Record<string, readonly string[]> = {
  macos: ['darwin', 'macos', 'mac_os', 'mac-os', 'osx', 'os_x', 'os-x'],
  windows: ['windows', 'win32', 'win64'],
};
export const nonlinux = async (ctx: LintContext): Promise<LintProblem | undefined> => {
  const paths: string[] = [];
  for (const e of ctx.tree.entries) {
    if (e.type === 'dir') continue;
    const d = dirOf(e.path).toLowerCase();
    const b = baseOf(e.path).toLowerCase();
    if (Object.values(NON_LINUX).some((vs) => vs.some((v) => d.includes(v) || b.includes(v)))) paths.push(e.path);
  }
  return paths.length === 0
    ? undefined
    : { message: `${ctx.tree.name} contains ${paths.length} non-Linux reference(s)`, paths };
};

const SUPPORTED = ['aarch64', 'arm64', 'amd64', 'x86_64', 'x86-64'];
const UNSUPPORTED = [
  'i386',
  'i686',
  'x86_32',
  'x86-32',
  'ppc64',
  'ppc64le',
  'powerpc',
  's390x',
  's390',
  'mips',
  'mipsel',
  'mips64',
  'riscv',
  'riscv64',
  'sparc',
  'sparc64',
  'ia64',
  'm68k',
];
export const unsupportedarch = async (ctx: LintContext): Promise<LintProblem | undefined> => {
  const paths: string[] = [];
  for (const e of ctx.tree.entries) {
    if (e.type === 'dir') continue;
    const lower = e.path.toLowerCase();
    const d = dirOf(e.path).toLowerCase();
    const b = baseOf(e.path).toLowerCase();
    const hit = UNSUPPORTED.some((arch) => {
      if (d.includes(`/${arch}/`) || d.includes(`/${arch}`)) return true;
      return ['-', '_', '.'].some(
        (sep) =>
          (b.includes(`${sep}${arch}${sep}`) || b.includes(`${sep}${arch}.`) || b.endsWith(`${sep}${arch}`)) &&
          !SUPPORTED.some((s) => lower.includes(s)),
      );
    });
    if (hit) paths.push(e.path);
  }
  return paths.length === 0
    ? undefined
    : { message: `${ctx.tree.name} contains ${paths.length} unsupported architecture reference(s)`, paths };
};
