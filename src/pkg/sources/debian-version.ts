/** Debian source versions and `apt-get source --print-uris` lines, read as plain data. Pure. */

/** One file of a Debian source package as apt names it. */
export interface AptSourceFile {
  readonly uri: string;
  readonly file: string;
  readonly size: number;
  /** lowercase hex; '' when apt named no SHA256. */
  readonly sha256: string;
}

/** `'URI' FILE SIZE SHA256:HEX` lines (apt-get source --print-uris). */
export function parsePrintUris(text: string): AptSourceFile[] {
  const out: AptSourceFile[] = [];
  for (const line of text.split('\n')) {
    const m = /^'([^']+)'\s+(\S+)\s+(\d+)\s*(\S*)/.exec(line.trim());
    if (!m) continue;
    const sum = /^SHA256:([0-9a-f]{64})$/i.exec(m[4] ?? '');
    out.push({
      uri: m[1] as string,
      file: m[2] as string,
      size: Number(m[3]),
      sha256: sum ? (sum[1] as string).toLowerCase() : '',
    });
  }
  return out;
}

/**
 * The upstream tarball of a source package (`*.orig.tar.*`, not its signature or a component); for a
 * Debian native package (no orig: Debian is upstream, e.g. ca-certificates), its one source tarball
 * (`PKG_VERSION.tar.*`, not a `.debian.tar.*`).
 */
export function origTarball(files: readonly AptSourceFile[]): AptSourceFile | undefined {
  return (
    files.find((f) => /\.orig\.tar\.[a-z0-9]+$/.test(f.file)) ??
    files.find((f) => /\.tar\.[a-z0-9]+$/.test(f.file) && !/\.debian\.tar\.|\.orig-[^/]*\.tar\./.test(f.file))
  );
}

/**
 * The file of a source package a recipe's fetch `uri` names: the one whose name is the uri's last
 * path component (after any scheme, `debian:sqlite3_3.53.4-2.debian.tar.xz`), so that a recipe can
 * pin Debian's packaging (`*.debian.tar.*`: its patches) beside the upstream tarball; any other
 * uri (upstream's own URL) is the upstream tarball (origTarball).
 */
export function debianFileFor(files: readonly AptSourceFile[], uri: string): AptSourceFile | undefined {
  const name = (uri.split('?')[0] ?? '').split('/').pop()?.split(':').pop() ?? '';
  return files.find((f) => f.file === name) ?? origTarball(files);
}

/** Whether a source package's file is Debian's packaging (`debian/`, its patches), not a source tarball. */
export function isDebianPackaging(file: AptSourceFile): boolean {
  return /\.debian\.tar\.[a-z0-9]+$/.test(file.file);
}

/** Whether the tarball origTarball picked is a native package's (Debian's own release, no orig). */
export function isNativeTarball(orig: AptSourceFile): boolean {
  return !/\.orig\.tar\.[a-z0-9]+$/.test(orig.file);
}

/** Whether Debian keeps upstream's signature beside the orig tarball (then its bytes are upstream's). */
export function hasUpstreamSignature(files: readonly AptSourceFile[], orig: AptSourceFile): boolean {
  return files.some((f) => f.file === `${orig.file}.asc`);
}

/**
 * The upstream version inside a Debian version: no epoch, no Debian revision, no repack suffix
 * (`1:1.3.dfsg+really1.3.2-4` → `1.3.2`, `1.5.7+dfsg-4` → `1.5.7`, `3.13.15-1` → `3.13.15`).
 */
export function upstreamOfDebianVersion(v: string): string {
  let u = v.replace(/^\d+:/, '');
  const dash = u.lastIndexOf('-');
  if (dash > 0) u = u.slice(0, dash);
  const really = /\+really(.+)$/.exec(u);
  if (really) u = really[1] as string;
  return u.replace(/[.+~](?:dfsg|ds|repack)\d*$/i, '');
}

/**
 * An upstream version as an apk version: a dated patch level (ncurses' snapshots, `6.6+20260608` in
 * Debian) is apk's `_p` suffix (`6.6_p20260608`), which orders by the date; others are unchanged.
 */
export function apkVersionOfUpstream(v: string): string {
  return v.replace(/\+(\d{8})$/, '_p$1');
}

/** Whether a Debian source version was repacked by Debian (`dfsg`, `ds`, `repack`): not upstream's bytes. */
export function isRepacked(v: string): boolean {
  return /(?:dfsg|[.+]ds\d*(?:$|[-+])|repack)/i.test(v);
}

/** `Version:` lines of `apt-cache showsrc`, deduplicated, in order. */
export function parseShowsrcVersions(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/^Version:\s*(\S+)\s*$/gm)) if (!out.includes(m[1] as string)) out.push(m[1] as string);
  return out;
}
