/**
 * `/etc/ld.so.cache` (spec §3 step 10), written without running ldconfig: only when the image has
 * `/etc/ld.so.conf`; the shared objects in `/lib` and the configured directories, keyed by their
 * ELF `DT_SONAME`, in glibc's new cache format (`glibc-ld.so.cache1.1`), sorted as ldconfig sorts
 * (descending `_dl_cache_libcmp`), for x86_64 and aarch64, no hwcaps, no symlinks created.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { resolveImagePath, writeImageFile } from './root-path.js';

export interface LdCacheEntry {
  /** The soname, e.g. `libz.so.1`. */
  readonly key: string;
  /** Absolute path in the image, e.g. `/lib/libz.so.1`. */
  readonly value: string;
  readonly flags: number;
}

const FLAG_ELF_LIBC6 = 0x0003;
const ARCH_FLAGS: Readonly<Record<string, { machine: number; flag: number }>> = {
  x86_64: { machine: 62, flag: 0x0300 },
  aarch64: { machine: 183, flag: 0x0a00 },
};

const isDigit = (c: number) => c >= 48 && c <= 57;

/** glibc's `_dl_cache_libcmp`: runs of digits compare as numbers. */
export function dlCacheLibcmp(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length) {
    const c1 = a.charCodeAt(i);
    const c2 = j < b.length ? b.charCodeAt(j) : 0;
    if (isDigit(c1)) {
      if (!isDigit(c2)) return 1;
      let v1 = 0;
      let v2 = 0;
      while (i < a.length && isDigit(a.charCodeAt(i))) v1 = v1 * 10 + a.charCodeAt(i++) - 48;
      while (j < b.length && isDigit(b.charCodeAt(j))) v2 = v2 * 10 + b.charCodeAt(j++) - 48;
      if (v1 !== v2) return v1 - v2;
    } else if (isDigit(c2)) {
      return -1;
    } else if (c1 !== c2) {
      return c1 - c2;
    } else {
      i++;
      j++;
    }
  }
  return 0 - (j < b.length ? b.charCodeAt(j) : 0);
}

/** The cache file for these entries (pure). */
export function formatLdSoCache(entries: readonly LdCacheEntry[]): Buffer {
  const sorted = [...entries].sort((e1, e2) => dlCacheLibcmp(e2.key, e1.key) || e2.flags - e1.flags);
  const HEADER = 48;
  const ENTRY = 24;
  const stringsAt = HEADER + ENTRY * sorted.length;
  const strings: Buffer[] = [];
  const offsets = new Map<string, number>();
  let len = 0;
  const intern = (s: string) => {
    let off = offsets.get(s);
    if (off === undefined) {
      off = stringsAt + len;
      offsets.set(s, off);
      const b = Buffer.from(`${s}\0`);
      strings.push(b);
      len += b.length;
    }
    return off;
  };
  const refs = sorted.map((e) => ({ flags: e.flags, key: intern(e.key), value: intern(e.value) }));
  const head = Buffer.alloc(stringsAt);
  head.write('glibc-ld.so.cache1.1', 0, 'latin1');
  head.writeUInt32LE(sorted.length, 20);
  head.writeUInt32LE(len, 24);
  head.writeUInt8(2, 28); // little endian
  refs.forEach((r, i) => {
    const o = HEADER + i * ENTRY;
    head.writeInt32LE(r.flags, o);
    head.writeUInt32LE(r.key, o + 4);
    head.writeUInt32LE(r.value, o + 8);
  });
  return Buffer.concat([head, ...strings]);
}

/** DT_SONAME of an ELF64 little-endian shared object for `machine`; undefined otherwise. */
export function elfSoname(b: Buffer, machine: number): string | undefined {
  if (b.length < 64 || b.readUInt32BE(0) !== 0x7f454c46 || b[4] !== 2 || b[5] !== 1) return undefined;
  if (b.readUInt16LE(16) !== 3 || b.readUInt16LE(18) !== machine) return undefined;
  const phoff = Number(b.readBigUInt64LE(32));
  const phentsize = b.readUInt16LE(54);
  const phnum = b.readUInt16LE(56);
  const loads: { vaddr: number; offset: number; filesz: number }[] = [];
  let dyn: { offset: number; size: number } | undefined;
  for (let i = 0; i < phnum; i++) {
    const o = phoff + i * phentsize;
    if (o + 56 > b.length) return undefined;
    const type = b.readUInt32LE(o);
    const offset = Number(b.readBigUInt64LE(o + 8));
    const vaddr = Number(b.readBigUInt64LE(o + 16));
    const filesz = Number(b.readBigUInt64LE(o + 32));
    if (type === 1) loads.push({ vaddr, offset, filesz });
    if (type === 2) dyn = { offset, size: filesz };
  }
  if (!dyn) return undefined;
  let strtab: number | undefined;
  let soname: number | undefined;
  for (let o = dyn.offset; o + 16 <= Math.min(b.length, dyn.offset + dyn.size); o += 16) {
    const tag = Number(b.readBigInt64LE(o));
    const val = Number(b.readBigUInt64LE(o + 8));
    if (tag === 0) break;
    if (tag === 5) strtab = val;
    if (tag === 14) soname = val;
  }
  if (strtab === undefined || soname === undefined) return undefined;
  const seg = loads.find((l) => strtab !== undefined && strtab >= l.vaddr && strtab < l.vaddr + l.filesz);
  const at = (seg ? strtab - seg.vaddr + seg.offset : strtab) + soname;
  if (at >= b.length) return undefined;
  const end = b.indexOf(0, at);
  return b.toString('latin1', at, end < 0 ? b.length : end);
}

/** The library directories: `/lib`, then ld.so.conf's (with `include` globs of the `dir/*.conf` kind). */
export function ldSoConfDirs(root: string, conf: string): string[] {
  const dirs = ['/lib'];
  const read = (text: string, depth: number) => {
    for (const raw of text.split('\n')) {
      const line = raw.replace(/#.*/, '').trim();
      if (line === '') continue;
      const inc = /^include\s+(.+)$/.exec(line);
      if (inc) {
        if (depth > 4) continue;
        const pattern = inc[1] as string;
        const slash = pattern.lastIndexOf('/');
        const dir = pattern.slice(0, slash);
        const glob = new RegExp(
          `^${pattern
            .slice(slash + 1)
            .replace(/[.+^${}()|[\]\\]/g, '\\$&')
            .replace(/\*/g, '.*')}$`,
        );
        let names: string[] = [];
        try {
          names = readdirSync(join(root, resolveImagePath(root, dir, true))).sort();
        } catch {}
        for (const n of names.filter((x) => glob.test(x))) {
          read(readFileSync(join(root, resolveImagePath(root, `${dir}/${n}`, true)), 'utf8'), depth + 1);
        }
        continue;
      }
      for (const d of line.split(/[\s:,]+/)) if (d.startsWith('/')) dirs.push(d.replace(/\/+$/, ''));
    }
  };
  read(conf, 0);
  return [...new Set(dirs)];
}

/** Writes `etc/ld.so.cache` when `etc/ld.so.conf` exists and the arch is supported; returns its path. */
export function installLdSoCache(root: string, arch: string): string | undefined {
  const confPath = join(root, resolveImagePath(root, 'etc/ld.so.conf', true));
  let conf: string;
  try {
    conf = readFileSync(confPath, 'utf8');
  } catch {
    return undefined;
  }
  const a = ARCH_FLAGS[arch];
  if (!a) return undefined;
  const entries: LdCacheEntry[] = [];
  const seen = new Set<string>();
  for (const dir of ldSoConfDirs(root, conf)) {
    let names: string[];
    const realDir = resolveImagePath(root, dir, true);
    try {
      names = readdirSync(join(root, realDir)).sort();
    } catch {
      continue;
    }
    for (const name of names) {
      if (!name.startsWith('lib') || !name.includes('.so')) continue;
      let bytes: Buffer;
      try {
        const real = join(root, resolveImagePath(root, `${dir}/${name}`, true));
        if (!statSync(real).isFile()) continue;
        bytes = readFileSync(real);
      } catch {
        continue;
      }
      const soname = elfSoname(bytes, a.machine);
      if (!soname || seen.has(`${dir}\0${soname}`)) continue;
      seen.add(`${dir}\0${soname}`);
      const viaSoname = names.includes(soname) ? soname : name;
      entries.push({ key: soname, value: `${dir}/${viaSoname}`, flags: FLAG_ELF_LIBC6 | a.flag });
    }
  }
  return writeImageFile(root, 'etc/ld.so.cache', formatLdSoCache(entries), 0o644);
}
