import { resolve } from 'node:path';
import { type ApkPackage, formatPkgInfo, type PackageFile, readPackage, SCRIPT_NAMES } from '../../../apk/index.js';
import { sha1Hex } from '../../../core/index.js';
import { type ApkIndexArchive, readApkIndexArchive } from '../../../repo/index.js';
import { commandHelp, parse, requireCount } from '../../args.js';
import type { Command } from '../../command.js';
import { EXIT_OK } from '../../render.js';
import { type ApkFileKind, apkFileKind, readInput } from '../apk/files.js';
import { setOnly } from '../common/set-only.js';
import { checkPackageFile, openRegularFile, readPackageFileListing, readPrefix } from './package-file.js';

const HELP = `Usage: lupine inspect FILE [--json]

Shows what an .apk package or an APKINDEX.tar.gz holds, without verifying it (see 'lupine verify').

For a package: identity (the C: an index gives it), datahash, signatures with their key names,
the gzip member byte ranges, every .PKGINFO field, scripts, and every file with its mode, owner,
size, SHA-1 checksum and link target.
For an index: its description, signatures and packages (name, version, arch, identity, size).
`;

const options = { json: { type: 'boolean', help: 'print one JSON object instead of text' } } as const;

const TYPE_CHAR: Record<PackageFile['type'], string> = {
  file: '-',
  hardlink: 'h',
  symlink: 'l',
  dir: 'd',
  chardev: 'c',
  blockdev: 'b',
  fifo: 'p',
};

/** `ls -l`-style mode string, with setuid/setgid/sticky. */
export function modeString(type: PackageFile['type'], mode: number): string {
  const rwx = (bits: number, special: boolean, ch: string) =>
    `${bits & 4 ? 'r' : '-'}${bits & 2 ? 'w' : '-'}${special ? (bits & 1 ? ch : ch.toUpperCase()) : bits & 1 ? 'x' : '-'}`;
  return (
    TYPE_CHAR[type] +
    rwx(mode >> 6, (mode & 0o4000) !== 0, 's') +
    rwx(mode >> 3, (mode & 0o2000) !== 0, 's') +
    rwx(mode, (mode & 0o1000) !== 0, 't')
  );
}

function packageText(file: string, pkg: ApkPackage): string {
  const lines: string[] = [];
  lines.push(`file:       ${file}`, `kind:       package${pkg.legacy ? ' (legacy, no datahash)' : ''}`);
  lines.push(
    `identity:   ${pkg.identity}`,
    `datahash:   ${pkg.info.datahash || '(none)'}`,
    `size:       ${pkg.info.size}`,
  );
  lines.push('signatures:');
  if (pkg.signatures.length === 0) lines.push('  (none)');
  for (const s of pkg.signatures) lines.push(`  ${s.algorithm} ${s.keyName} (${s.signature.length} bytes)`);
  lines.push('members:');
  for (const [name, r] of Object.entries(pkg.members)) lines.push(`  ${name.padEnd(9)} ${r.start}-${r.end}`);
  lines.push('.PKGINFO:');
  const pkginfo = formatPkgInfo(pkg.info, { packager: pkg.pkginfo.packager, comments: pkg.pkginfo.comments });
  for (const l of pkginfo.trimEnd().split('\n')) lines.push(`  ${l}`);
  for (const u of pkg.pkginfo.unknown) lines.push(`  ${u.key} = ${u.value}    (unknown key, ignored)`);
  if (pkg.controlExtras.length) lines.push(`control extras: ${pkg.controlExtras.join(' ')}`);
  lines.push('scripts:');
  const scripts = SCRIPT_NAMES.filter((s) => pkg.scripts[s] !== undefined);
  if (scripts.length === 0) lines.push('  (none)');
  for (const s of scripts) {
    const body = pkg.scripts[s] as Buffer;
    lines.push(`  .${s} (${body.length} bytes, sha1 ${sha1Hex(body)})`);
  }
  lines.push(`files (${pkg.files.length}):`);
  for (const f of pkg.files) {
    const link = f.type === 'symlink' ? ` -> ${f.linkname}` : f.type === 'hardlink' ? ` link to ${f.linkname}` : '';
    const dev = f.type === 'chardev' || f.type === 'blockdev' ? ` ${f.devmajor},${f.devminor}` : '';
    lines.push(
      `  ${modeString(f.type, f.mode)} ${f.uid}:${f.gid} ${String(f.size).padStart(8)} ${f.sha1 || '-'.padEnd(40)} ${f.name}${link}${dev}`,
    );
  }
  for (const w of pkg.warnings) lines.push(`warning: ${w}`);
  return `${lines.join('\n')}\n`;
}

function packageJson(file: string, pkg: ApkPackage): unknown {
  return {
    file,
    kind: 'package',
    identity: pkg.identity,
    legacy: pkg.legacy,
    members: pkg.members,
    signatures: pkg.signatures.map((s) => ({ algorithm: s.algorithm, keyName: s.keyName, bytes: s.signature.length })),
    info: pkg.info,
    packager: pkg.pkginfo.packager,
    comments: pkg.pkginfo.comments,
    unknownKeys: pkg.pkginfo.unknown,
    controlExtras: pkg.controlExtras,
    scripts: Object.fromEntries(
      SCRIPT_NAMES.filter((s) => pkg.scripts[s] !== undefined).map((s) => [
        s,
        (pkg.scripts[s] as Buffer).toString('utf8'),
      ]),
    ),
    files: pkg.files.map((f) => ({
      name: f.name,
      type: f.type,
      mode: `0${f.mode.toString(8).padStart(3, '0')}`,
      uid: f.uid,
      gid: f.gid,
      size: f.size,
      mtime: f.mtime,
      sha1: f.sha1,
      ...setOnly({ linkname: f.linkname }),
      ...(f.type === 'chardev' || f.type === 'blockdev' ? { devmajor: f.devmajor, devminor: f.devminor } : {}),
      ...(Object.keys(f.xattrs).length
        ? { xattrs: Object.fromEntries(Object.entries(f.xattrs).map(([k, v]) => [k, v.toString('base64')])) }
        : {}),
    })),
    warnings: pkg.warnings,
  };
}

function indexText(file: string, index: ApkIndexArchive): string {
  const lines = [
    `file:        ${file}`,
    'kind:        index',
    `description: ${index.description || '(none)'}`,
    'signatures:',
  ];
  if (index.signatures.length === 0) lines.push('  (none)');
  for (const s of index.signatures) lines.push(`  ${s.algorithm} ${s.keyName} (${s.signature.length} bytes)`);
  lines.push(`packages (${index.packages.length}):`);
  for (const p of index.packages) lines.push(`  ${p.name} ${p.version} ${p.arch || '-'} ${p.identity} ${p.size}`);
  return `${lines.join('\n')}\n`;
}

export const inspectCommand: Command = {
  path: ['inspect'],
  summary: 'show what an .apk package or APKINDEX.tar.gz holds',
  help: commandHelp(HELP, options),
  options: options,
  async run(argv, io) {
    const { values, positionals } = parse(argv, options, 'inspect');
    requireCount(positionals, 1, 1, 'inspect', 'exactly one FILE');
    const file = positionals[0] as string;
    const path = resolve(io.cwd, file);
    const { fh, size } = await openRegularFile(path, file);
    let kind: ApkFileKind;
    try {
      kind = apkFileKind(await readPrefix(fh, Math.min(size, 64 * 1024 * 1024)), file);
    } finally {
      await fh.close();
    }
    // A package is streamed with limits from its declared size, its entries listed; its data is never
    // held in memory (a legacy package, without a datahash, is small and read whole).
    if (kind === 'package') {
      const listed = await readPackageFileListing(path, file);
      if (listed !== undefined) {
        io.stdout.write(
          values.json ? `${JSON.stringify(packageJson(file, listed), null, 2)}\n` : packageText(file, listed),
        );
        return EXIT_OK;
      }
      await checkPackageFile(path, file);
    }
    const bytes = await readInput(path);
    if (kind === 'index') {
      const index = readApkIndexArchive(bytes, { allowUntrusted: true, source: file });
      if (values.json) {
        const { packages, description, signatures } = index;
        const sigs = signatures.map((s) => ({ algorithm: s.algorithm, keyName: s.keyName, bytes: s.signature.length }));
        io.stdout.write(
          `${JSON.stringify({ file, kind: 'index', description, signatures: sigs, packages }, null, 2)}\n`,
        );
      } else {
        io.stdout.write(indexText(file, index));
      }
      return EXIT_OK;
    }
    const pkg = readPackage(bytes, { source: file });
    io.stdout.write(values.json ? `${JSON.stringify(packageJson(file, pkg), null, 2)}\n` : packageText(file, pkg));
    return EXIT_OK;
  },
};
