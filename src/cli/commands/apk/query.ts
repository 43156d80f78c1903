/** Read-only applets over index data: version, policy, search, list (info and dot: apk-info.ts). */
import {
  compareVersions,
  compareVersionsMask,
  isValidVersion,
  operatorString,
  type PackageInfo,
} from '../../../apk/index.js';
import { LupineError } from '../../../core/index.js';
import type { ApkRun } from './applets.js';
import { type ApkArgs, has, last } from './args.js';
import { errorLine, type Output } from './commit.js';

/** `apk version -t A B` and `apk version -c V...`. */
export function versionTools(out: Output, args: ApkArgs): number {
  if (has(args, 'test')) {
    if (args.args.length !== 2) return 1;
    const [a, b] = args.args as [string, string];
    out.io.stdout.write(`${operatorString(compareVersionsMask(a, b))}\n`);
    return 0;
  }
  let errors = 0;
  for (const v of args.args) {
    if (!isValidVersion(v)) {
      if (out.verbosity > 0) out.io.stdout.write(`${v}\n`);
      errors++;
    }
  }
  return errors;
}

interface Located {
  readonly pkg: PackageInfo;
  readonly repos: number[];
  readonly installed: boolean;
}

/** Every package by name, merged by identity across installed and repositories. */
function catalogue(run: ApkRun): Map<string, Located[]> {
  const byKey = new Map<string, { pkg: PackageInfo; repos: number[]; installed: boolean }>();
  const key = (p: PackageInfo) => p.identity || `${p.name}-${p.version}`;
  for (const p of run.state.installed) byKey.set(key(p), { pkg: p, repos: [], installed: true });
  run.state.repositories.forEach((r, i) => {
    for (const p of r.packages) {
      const e = byKey.get(key(p));
      if (e) e.repos.push(i);
      else byKey.set(key(p), { pkg: p, repos: [i], installed: false });
    }
  });
  const out = new Map<string, Located[]>();
  for (const e of byKey.values()) out.set(e.pkg.name, [...(out.get(e.pkg.name) ?? []), e]);
  for (const l of out.values()) l.sort((a, b) => compareVersions(a.pkg.version, b.pkg.version));
  return out;
}

const pv = (p: PackageInfo) => `${p.name}-${p.version}`;
const sortedNames = (m: Map<string, unknown>) => [...m.keys()].sort();

function globToRegExp(glob: string): RegExp {
  const re = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${re}$`);
}

function versionList(run: ApkRun): number {
  const { out, args, state } = run;
  const cat = catalogue(run);
  let limit = last(args, 'limit');
  if (limit === '') limit = undefined;
  else if (limit === undefined && args.args.length === 0 && out.verbosity === 1) limit = '<';
  if (out.verbosity > 0) out.io.stdout.write(`${'Installed:'.padEnd(42)}Available:\n`);
  const names = args.args.length ? args.args : [...new Set(state.installed.map((p) => p.name))].sort();
  for (const name of names) {
    const pkg = state.installed.find((p) => p.name === name);
    if (!pkg) continue;
    const allowedTag = state.installedTags[name] ?? '';
    let latest = '';
    let latestTag = '';
    for (const e of cat.get(name) ?? []) {
      if (e.repos.length === 0) continue;
      const tags = e.repos.map((i) => state.repositories[i]?.tag ?? '');
      if (!has(args, 'all') && !tags.includes(allowedTag)) continue;
      if (latest === '' || compareVersions(e.pkg.version, latest) > 0) {
        latest = e.pkg.version;
        latestTag = tags[0] ?? '';
      }
    }
    const op = latest ? operatorString(compareVersionsMask(pkg.version, latest)) : '?';
    if (limit !== undefined && !limit.includes(op[0] as string)) continue;
    if (out.verbosity <= 0) out.io.stdout.write(`${pkg.name}\n`);
    else out.io.stdout.write(`${pv(pkg).padEnd(40)}${op} ${latest} ${latestTag ? `@${latestTag}` : ''}\n`);
  }
  return 0;
}

function policy(run: ApkRun): number {
  const { state } = run;
  const cat = catalogue(run);
  for (const name of run.args.args) {
    const list = cat.get(name);
    if (!list?.length) continue;
    run.out.io.stdout.write(`${name} policy:\n`);
    for (const e of list) {
      run.out.io.stdout.write(`  ${e.pkg.version}:\n`);
      if (e.installed) run.out.io.stdout.write('    lib/apk/db/installed\n');
      for (const i of e.repos) {
        const r = state.repositories[i];
        const tag = r?.tag ? `@${r.tag} ` : '';
        run.out.io.stdout.write(`    ${tag}${r?.name ?? ''}\n`);
      }
    }
  }
  return 0;
}

function search(run: ApkRun): number {
  const { out, args } = run;
  const cat = catalogue(run);
  const pats = (args.args.length ? args.args : ['*']).map((a) =>
    globToRegExp(has(args, 'exact') || a.includes('*') || a.includes('?') ? a : `*${a}*`),
  );
  for (const name of sortedNames(cat)) {
    const list = cat.get(name) ?? [];
    const chosen = has(args, 'all') ? list : list.slice(-1);
    for (const e of chosen) {
      const hay = has(args, 'description') ? `${e.pkg.name} ${e.pkg.description}` : e.pkg.name;
      if (!pats.some((re) => re.test(hay) || (has(args, 'description') && re.test(e.pkg.description)))) continue;
      // apk: the name alone with -q, name-version by default, and the description with -v.
      const line =
        out.verbosity <= 0 ? e.pkg.name : out.verbosity > 1 ? `${pv(e.pkg)} - ${e.pkg.description}` : pv(e.pkg);
      out.io.stdout.write(`${line}\n`);
    }
  }
  return 0;
}

function list(run: ApkRun): number {
  const { out, args, state } = run;
  const cat = catalogue(run);
  const pats = args.args.map(globToRegExp);
  for (const name of sortedNames(cat)) {
    if (pats.length && !pats.some((re) => re.test(name))) continue;
    const entries = cat.get(name) ?? [];
    const newest = entries.filter((e) => e.repos.length).slice(-1)[0];
    for (const e of entries) {
      if (has(args, 'installed') && !e.installed) continue;
      if (has(args, 'available') && !e.repos.length) continue;
      if (!e.installed && e !== newest && !has(args, 'available')) continue;
      const up = e.installed && newest && compareVersions(newest.pkg.version, e.pkg.version) > 0;
      if ((has(args, 'upgradable') || has(args, 'upgradeable')) && !up) continue;
      const p = e.pkg;
      let status = '';
      if (e.installed) status = up ? ` [upgradable from: ${pv(p)}]` : ' [installed]';
      const arch = p.arch || state.arch;
      out.io.stdout.write(
        `${pv(up && newest ? newest.pkg : p)} ${arch} {${p.origin || p.name}} (${p.license})${status}\n`,
      );
    }
  }
  return 0;
}

export async function queryApplet(applet: string, run: ApkRun): Promise<number> {
  switch (applet) {
    case 'version':
      if (has(run.args, 'indexes')) {
        for (const r of run.state.repositories) run.out.io.stdout.write(`${r.name ?? ''}\n`);
        return 0;
      }
      return versionList(run);
    case 'policy':
      return policy(run);
    case 'info':
      return (await import('./info.js')).info(run);
    case 'search':
      return search(run);
    case 'list':
      return list(run);
    case 'dot':
      return (await import('./info.js')).dot(run);
    default:
      errorLine(run.out, `unknown applet '${applet}'`);
      throw new LupineError('USAGE', `apk: unknown applet '${applet}'`, { hint: "see 'lupine apk --help'" });
  }
}
