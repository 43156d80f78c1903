import { baseOf, dirOf, globTree, isInDir } from './package-tree.js';
import { parsePkgConfig } from './pkgconfig.js';
import { determineProviderVersion } from './provider-version.js';
import type { ScaContext, ScaFindings } from './sca-types.js';
import { readShebang } from './shebang.js';

/** Where an executable makes a `cmd:` provide. */
export const BIN_DIRS: readonly string[] = ['bin/', 'sbin/', 'usr/bin/', 'usr/sbin/'];

/** Where a .pc file makes a `pc:` provide (elsewhere it is vendored). */
export const PKGCONFIG_DIRS: readonly string[] = [
  'usr/local/lib/pkgconfig/',
  'usr/local/share/pkgconfig/',
  'usr/lib/pkgconfig/',
  'usr/lib64/pkgconfig/',
  'usr/share/pkgconfig/',
];

const isRegular = (type: string) => type === 'file' || type === 'hardlink';

/** `cmd:<name>=<pkgver>` for regular files with r-x for everyone in a bin directory. */
export function commandProviders(ctx: ScaContext, out: ScaFindings): void {
  for (const e of ctx.tree.entries) {
    if (!isRegular(e.type) || (e.mode & 0o555) !== 0o555) continue;
    if (isInDir(e.path, BIN_DIRS)) out.provides.push(`cmd:${baseOf(e.path)}=${ctx.tree.version}`);
  }
}

/** A `-doc` package depends on man-db / texinfo when it has entries directly in usr/share/man or usr/share/info. */
export function docDeps(ctx: ScaContext, out: ScaFindings): void {
  if (!ctx.tree.name.endsWith('-doc')) return;
  for (const e of ctx.tree.entries) {
    if (isInDir(e.path, ['usr/share/man'])) out.runtime.push('man-db');
    if (isInDir(e.path, ['usr/share/info'])) out.runtime.push('texinfo');
  }
}

/** `pc:<name>=<pkgver>` provides, and `pc:` depends (plus versioned ones) for each Requires*. */
export async function pkgConfigDeps(ctx: ScaContext, out: ScaFindings): Promise<void> {
  for (const e of ctx.tree.entries) {
    if (!e.path.endsWith('.pc') || e.type === 'symlink') continue;
    const data = await ctx.tree.read(e.path);
    if (data === undefined) continue;
    const pc = parsePkgConfig(Buffer.from(data).toString('utf8'));
    if (pc === undefined) {
      ctx.logger.warn(`Unable to load .pc file (${e.path}) using pkgconfig`);
      continue;
    }
    const name = baseOf(e.path).slice(0, -3);
    if (!isInDir(e.path, PKGCONFIG_DIRS)) {
      out.vendored.push(`pc:${name}=${ctx.tree.version}`);
      continue;
    }
    out.provides.push(`pc:${name}=${ctx.tree.version}`);
    for (const dep of [...pc.requires, ...pc.requiresPrivate, ...pc.requiresInternal]) {
      out.runtime.push(`pc:${dep.identifier}`);
      if (ctx.options.noVersionedShlibDeps) continue;
      const ver = determineProviderVersion(
        ctx.providers,
        ctx.tree.version,
        `pc:${dep.identifier}`,
        `pc:${dep.identifier}`,
      );
      if (ver !== '') out.runtime.push(`pc:${dep.identifier}>=${ver}`);
    }
  }
}

/** Perl modules under usr/lib/perlN/*_perl → `perl~N`. */
export function perlDeps(ctx: ScaContext, out: ScaFindings): void {
  const matches = [...globTree(ctx.tree, 'usr/lib/perl[0-9]*/*_perl'), ...globTree(ctx.tree, 'lib/perl[0-9]*/*_perl')];
  const first = matches[0];
  if (first === undefined) return;
  // melange takes the third path component for both patterns (for lib/… that is the *_perl dir).
  let ver = first.split('/')[2] as string;
  if (ver.startsWith('perl')) ver = ver.slice(4);
  if (ctx.declaredRuntime.includes('perl')) {
    ctx.logger.warn(
      `${ctx.tree.name}: Perl dependency 'perl' already specified, consider removing it in favor of SCA-generated dependency`,
    );
    return;
  }
  out.runtime.push(`perl~${ver}`);
}

/** A pythonX.Y/site-packages directory → `python-X.Y-base`. */
export function pythonDeps(ctx: ScaContext, out: ScaFindings): void {
  let ver = '';
  for (const e of ctx.tree.entries) {
    if (baseOf(e.path) !== 'site-packages') continue;
    const parent = baseOf(dirOf(e.path));
    if (!parent.startsWith('python') || e.type !== 'dir') continue;
    ver = parent.slice(6);
  }
  if (ver === '') return;
  const declared = ctx.declaredRuntime.find((d) => d.startsWith('python'));
  if (declared !== undefined) {
    ctx.logger.warn(
      `${ctx.tree.name}: Python dependency "${declared}" already specified, consider removing it in favor of SCA-generated dependency`,
    );
    return;
  }
  out.runtime.push(`python-${ver}-base`);
}

/** Gems under usr/lib/ruby/gems/X.Y.Z/gems → `ruby-X.Y` (melange's glob, `[0.9]` included). */
export function rubyDeps(ctx: ScaContext, out: ScaFindings): void {
  const matches = [
    ...globTree(ctx.tree, 'usr/lib/ruby/gems/[0-9]*.[0-9]*.[0.9]*/gems'),
    ...globTree(ctx.tree, 'lib/ruby/gems/[0-9]*.[0-9]*.[0.9]*/gems'),
  ];
  const first = matches[0];
  if (first === undefined) return;
  const mmm = baseOf(dirOf(first));
  const dot = mmm.lastIndexOf('.');
  const ver = dot < 0 ? mmm : mmm.slice(0, dot);
  if (ver === '') return;
  if (ctx.declaredRuntime.some((d) => d.startsWith('ruby-') || d === 'ruby')) {
    ctx.logger.warn(`${ctx.tree.name}: Ruby dependency already specified`);
    return;
  }
  out.runtime.push(`ruby-${ver}`);
}

/** `#!` interpreters of files in usr/bin, usr/local/bin and usr/local/sbin → `cmd:<interpreter>`. */
export async function shebangDeps(ctx: ScaContext, out: ScaFindings): Promise<void> {
  for (const e of ctx.tree.entries) {
    if (e.type === 'symlink' || e.type === 'dir') continue;
    if (!['usr/bin/', 'usr/local/bin/', 'usr/local/sbin/'].some((p) => e.path.startsWith(p))) continue;
    const data = await ctx.tree.read(e.path);
    if (data === undefined) continue;
    const r = readShebang(data);
    if (r === undefined) continue;
    if ('error' in r) {
      ctx.logger.warn(`Error reading shbang from ${e.path}: ${r.error}`);
      continue;
    }
    out.runtime.push(`cmd:${baseOf(r.interpreter)}`);
  }
}
