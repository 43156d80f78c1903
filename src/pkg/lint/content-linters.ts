import { createHash } from 'node:crypto';
import { EM_AARCH64, EM_X86_64, isElf, parseElf } from '../sca/elf.js';
import { baseOf, globTree, type PackageTreeEntry } from '../sca/package-tree.js';
import type { LintContext, LintProblem } from './lint-types.js';

const isRegular = (e: PackageTreeEntry) => e.type === 'file' || e.type === 'hardlink';
const ignored = (path: string) => path.startsWith('var/lib/db/sbom/');
const plural = (n: number, one: string, many: string) => (n > 1 ? many : one);
const OBJECT_EXT = /\.(a|so|dylib)(\..*)?/;
const ext = (path: string) => {
  const base = baseOf(path);
  const i = base.lastIndexOf('.');
  return i < 0 ? '' : base.slice(i);
};

/** Regular files with the setuid, setgid or sticky bit. */
export const setuidgid = async (ctx: LintContext): Promise<LintProblem | undefined> => {
  const paths = ctx.tree.entries.filter((e) => isRegular(e) && (e.mode & 0o7000) !== 0).map((e) => e.path);
  if (paths.length === 0) return undefined;
  const n = paths.length;
  return {
    message: `${ctx.tree.name} contains ${n} ${plural(n, 'file', 'files')} with special permissions (setuid/setgid)`,
    paths,
  };
};

/** Regular files writable by everyone. */
export const worldwrite = async (ctx: LintContext): Promise<LintProblem | undefined> => {
  const paths = ctx.tree.entries.filter((e) => isRegular(e) && (e.mode & 0o002) !== 0).map((e) => e.path);
  if (paths.length === 0) return undefined;
  const n = paths.length;
  return { message: `${ctx.tree.name} contains ${n} world-writeable ${plural(n, 'file', 'files')}`, paths };
};

/** Executables and libraries that are ELF files, as the strip and binaryarch linters pick them. */
async function* elfCandidates(ctx: LintContext): AsyncGenerator<[PackageTreeEntry, Uint8Array]> {
  for (const e of ctx.tree.entries) {
    if (ignored(e.path) || !isRegular(e) || e.size < 4) continue;
    if ((e.mode & 0o111) === 0 && !OBJECT_EXT.test(ext(e.path))) continue;
    const data = await ctx.tree.read(e.path);
    if (data !== undefined && isElf(data)) yield [e, data];
  }
}

/**
 * ELF files with a `.debug` or `.zdebug` section. (melange asks Go's debug/elf for those exact
 * section names; a file that does not parse as ELF is reported too.)
 */
export const strip = async (ctx: LintContext): Promise<LintProblem | undefined> => {
  const paths: string[] = [];
  for await (const [e, data] of elfCandidates(ctx)) {
    let sections: readonly string[];
    try {
      sections = parseElf(data, e.path).sections;
    } catch (err) {
      return { message: `could not open file "${e.path}" as executable: ${(err as Error).message}`, paths: [e.path] };
    }
    if (sections.includes('.debug') || sections.includes('.zdebug')) paths.push(e.path);
  }
  if (paths.length === 0) return undefined;
  const n = paths.length;
  return { message: `${ctx.tree.name} contains ${n} unstripped ${plural(n, 'binary', 'binaries')}`, paths };
};

/** ELF files for machines other than x86-64 and aarch64. */
export const binaryarch = async (ctx: LintContext): Promise<LintProblem | undefined> => {
  const paths: string[] = [];
  for await (const [e, data] of elfCandidates(ctx)) {
    let machine: number;
    try {
      machine = parseElf(data, e.path).machine;
    } catch {
      continue;
    }
    if (machine !== EM_X86_64 && machine !== EM_AARCH64) paths.push(e.path);
  }
  if (paths.length === 0) return undefined;
  const n = paths.length;
  return {
    message: `${ctx.tree.name} contains ${n} ${plural(n, 'binary', 'binaries')} compiled for unsupported architecture(s)`,
    paths,
  };
};

/** go-humanize's Bytes: SI units, one decimal below 10. */
export function humanizeBytes(s: number): string {
  if (s < 10) return `${s} B`;
  const sizes = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB'];
  const e = Math.floor(Math.log(s) / Math.log(1000));
  const val = Math.floor((s / 1000 ** e) * 10 + 0.5) / 10;
  return `${val < 10 ? val.toFixed(1) : val.toFixed(0)} ${sizes[e]}`;
}

const LICENSE_FILE = /^(?:licen[cs]e|copying|copyright|notice)(?:[-._].*)?$/i;

/** Files of 1 KiB or more with the same name and content in different directories. */
export const duplicate = async (ctx: LintContext): Promise<LintProblem | undefined> => {
  const sets = new Map<string, { paths: string[]; size: number; base: string }>();
  for (const e of ctx.tree.entries) {
    if (!isRegular(e) || LICENSE_FILE.test(baseOf(e.path)) || e.size < 1024) continue;
    const data = await ctx.tree.read(e.path);
    if (data === undefined) continue;
    const key = `${createHash('sha256').update(data).digest('hex')}/${baseOf(e.path)}`;
    const set = sets.get(key);
    if (set) set.paths.push(e.path);
    else sets.set(key, { paths: [e.path], size: data.length, base: baseOf(e.path) });
  }
  const dups = [...sets.values()]
    .filter((s) => s.paths.length > 1)
    .map((s) => ({ ...s, paths: [...s.paths].sort(), wasted: (s.paths.length - 1) * s.size }))
    .sort((a, b) => b.wasted - a.wasted || (a.paths[0] as string).localeCompare(b.paths[0] as string));
  if (dups.length === 0) return undefined;
  const total = dups.reduce((n, d) => n + d.wasted, 0);
  const lines = dups.flatMap((d) => [
    `  ${d.paths.length} copies of '${d.base}' (${humanizeBytes(d.size)} each, wasting ${humanizeBytes(d.wasted)}):`,
    ...d.paths.map((p) => `    ${p}`),
  ]);
  const summary = `${ctx.tree.name} contains ${dups.length} duplicate file(s) with same name in different directories (wasting ${humanizeBytes(total)} total)`;
  return { message: `${summary}:\n${lines.join('\n')}`, paths: dups.flatMap((d) => d.paths) };
};

/** A package with no files at all (directories do not count). */
export const empty = async (ctx: LintContext): Promise<LintProblem | undefined> =>
  ctx.tree.entries.some((e) => e.type !== 'dir' && !ignored(e.path))
    ? undefined
    : { message: 'package is empty but no-provides is not set', paths: [] };

function sitePackages(ctx: LintContext): string[] | LintProblem {
  const dirs = globTree(ctx.tree, 'usr/lib/python3.*');
  if (dirs.length === 0) return [];
  if (dirs.length > 1) return { message: `more than one Python version detected: ${dirs.length} found`, paths: dirs };
  return globTree(ctx.tree, `${dirs[0]}/site-packages/*`);
}

function pythonDirLinter(names: readonly string[], message: string) {
  return async (ctx: LintContext): Promise<LintProblem | undefined> => {
    const pkgs = sitePackages(ctx);
    if (!Array.isArray(pkgs)) return pkgs;
    const hit = pkgs.find((m) => names.includes(baseOf(m)));
    return hit === undefined ? undefined : { message, paths: [hit] };
  };
}

export const pythonDocs = pythonDirLinter(
  ['doc', 'docs'],
  'docs directory encountered in Python site-packages directory',
);
export const pythonTest = pythonDirLinter(
  ['test', 'tests'],
  'tests directory encountered in Python site-packages directory',
);

/** More than one top-level module in site-packages (melange's name trimming included). */
export const pythonMultiple = async (ctx: LintContext): Promise<LintProblem | undefined> => {
  const pkgs = sitePackages(ctx);
  if (!Array.isArray(pkgs)) return pkgs;
  const names = new Set<string>();
  for (const m of pkgs) {
    let base = baseOf(m);
    if (base.startsWith('_') || ['test', 'tests', 'doc', 'docs'].includes(base)) continue;
    const x = ext(base);
    if (x === '.egg-info' || x === '.dist-info' || x === '.pth') continue;
    if (x.length > 0) {
      // melange keeps the first len(ext) characters here.
      base = base.slice(0, x.length);
      if (base === '') continue;
    }
    names.add(JSON.stringify(base));
  }
  if (names.size <= 1) return undefined;
  const sorted = [...names].sort();
  return { message: `multiple Python packages detected: ${sorted.length} found (${sorted.join(', ')})`, paths: pkgs };
};
