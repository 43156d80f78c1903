/**
 * The installed database as apko writes it (go-apk `PackageToInstalled`), which differs from
 * apk-tools' own: fixed field order P V A L T o m U D p [r] c i t S I k C, empty `U:`/`D:`/`p:`
 * lines kept, `i:` as Go prints a string slice (`[]`, `[a b]`), and file ACLs as `a:uid:gid:0mode`.
 * Pure: parsed records in, text out.
 */
import type { InstalledPackage } from '../../install/index.js';

const oct4 = (mode: number) => mode.toString(8).padStart(4, '0');

export function formatApkoInstalledRecord(p: InstalledPackage): string {
  const i = p.info;
  const lines = [
    `P:${i.name}`,
    `V:${i.version}`,
    `A:${i.arch}`,
    `L:${i.license}`,
    `T:${i.description}`,
    `o:${i.origin}`,
    `m:${i.maintainer}`,
    `U:${i.url}`,
    `D:${i.depends.join(' ')}`,
    `p:${i.provides.join(' ')}`,
  ];
  if (i.replaces.length > 0) lines.push(`r:${i.replaces.join(' ')}`);
  if (i.replacesPriority) lines.push(`q:${i.replacesPriority}`);
  lines.push(
    `c:${i.commit}`,
    `i:[${i.installIf.join(' ')}]`,
    `t:${i.buildTime}`,
    `S:${i.size}`,
    `I:${i.installedSize}`,
    `k:${i.providerPriority}`,
  );
  if (i.identity) lines.push(`C:${i.identity}`);
  for (const d of p.dirs) {
    lines.push(`F:${d.path}`);
    if (d.uid !== 0 || d.gid !== 0 || d.mode !== 0o755) lines.push(`M:${d.uid}:${d.gid}:${oct4(d.mode)}`);
    for (const f of d.files) {
      lines.push(`R:${f.name}`);
      if (f.uid !== 0 || f.gid !== 0 || f.mode !== 0o644) lines.push(`a:${f.uid}:${f.gid}:${oct4(f.mode)}`);
      if (f.digest) lines.push(`Z:${f.digest}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** The whole database: records in install order, each followed by a blank line. */
export function formatApkoInstalledDb(pkgs: readonly InstalledPackage[]): string {
  return pkgs.map((p) => `${formatApkoInstalledRecord(p)}\n`).join('');
}
