/**
 * Reading what an image is made of, without running it: its layers unpacked into a directory (the
 * host's tar, no root needed), the apk database's file owners, and lupine's own ELF reader
 * (src/pkg/sca/elf.ts) over every ELF file, with each DT_NEEDED library (and PT_INTERP) resolved
 * inside the root as the dynamic loader would find it.
 */
import { spawnSync } from 'node:child_process';
import {
  closeSync,
  type Dirent,
  existsSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  readSync,
} from 'node:fs';
import { join, posix, relative } from 'node:path';
import { isElf, parseElf } from '../../src/pkg/sca/elf.js';

/** Every file and link under the root's documentation directories (man, doc, info), relative to the root. */
export function docFiles(root: string): string[] {
  const out: string[] = [];
  for (const dir of ['usr/share/man', 'usr/share/doc', 'usr/share/info']) {
    if (!existsSync(join(root, dir))) continue;
    for (const e of readdirSync(join(root, dir), { recursive: true, withFileTypes: true }) as Dirent[]) {
      if (!e.isDirectory()) out.push(relative(root, join(e.parentPath, e.name)));
    }
  }
  return out;
}

/** Unpacks an OCI layout's image for `arch` (its layers in order) into `dest`. */
export function unpackImage(layout: string, dest: string, arch = 'amd64'): void {
  const blob = (digest: string) => join(layout, 'blobs', ...digest.split(':'));
  type Desc = { digest: string; mediaType?: string; platform?: { architecture?: string } };
  let doc = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8')) as { manifests?: Desc[]; layers?: Desc[] };
  while (doc.manifests) {
    const next = doc.manifests.find((m) => !m.platform || m.platform.architecture === arch);
    if (!next) throw new Error(`${layout}: no ${arch} image`);
    doc = JSON.parse(readFileSync(blob(next.digest), 'utf8')) as typeof doc;
  }
  mkdirSync(dest, { recursive: true });
  for (const layer of doc.layers ?? []) {
    const r = spawnSync('tar', ['-xzf', blob(layer.digest), '-C', dest, '--no-same-owner'], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${layout}: unpacking ${layer.digest}: ${r.stderr}`);
  }
}

export interface InstalledPackage {
  readonly name: string;
  readonly version: string;
  /** The recipe (`o:`) that built it. */
  readonly origin: string;
}

/**
 * `lib/apk/db/installed` of a root: each file's path (no leading `/`) → the package that owns it,
 * under the path apk recorded and under its real path in the root (a merged /lib, /usr/lib …).
 */
export function fileOwners(root: string): Map<string, InstalledPackage> {
  const owners = new Map<string, InstalledPackage>();
  const text = readFileSync(join(root, 'lib/apk/db/installed'), 'utf8');
  for (const block of text.split(/\n\n+/)) {
    const lines = block.split('\n');
    const field = (k: string) => lines.find((l) => l.startsWith(`${k}:`))?.slice(2) ?? '';
    const pkg = { name: field('P'), version: field('V'), origin: field('o') || field('P') };
    let dir = '';
    for (const l of lines) {
      if (l.startsWith('F:')) dir = l.slice(2);
      else if (l.startsWith('R:')) {
        const path = dir === '' ? l.slice(2) : `${dir}/${l.slice(2)}`;
        owners.set(path, pkg);
        const real = realPathIn(root, path);
        if (real !== undefined && !owners.has(real)) owners.set(real, pkg);
      }
    }
  }
  return owners;
}

/**
 * `path` (absolute inside the root) with every symlink followed inside the root: the real path
 * relative to the root, or undefined when it does not exist.
 */
export function realPathIn(root: string, path: string): string | undefined {
  let todo = path.split('/').filter((c) => c !== '' && c !== '.');
  const done: string[] = [];
  for (let hops = 0; todo.length > 0; ) {
    const c = todo.shift() as string;
    if (c === '..') {
      done.pop();
      continue;
    }
    const here = join(root, ...done, c);
    let st: ReturnType<typeof lstatSync>;
    try {
      st = lstatSync(here);
    } catch {
      return undefined;
    }
    if (!st.isSymbolicLink()) {
      done.push(c);
      continue;
    }
    if (++hops > 40) return undefined;
    const target = readlinkSync(here);
    if (target.startsWith('/')) done.length = 0;
    todo = [...target.split('/').filter((x) => x !== '' && x !== '.'), ...todo];
  }
  return done.join('/');
}

/** What the dynamic loader searches after RPATH/RUNPATH: /etc/ld.so.conf's directories, then the defaults. */
function loaderDirs(root: string): string[] {
  let conf: string[] = [];
  try {
    conf = readFileSync(join(root, 'etc/ld.so.conf'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l.startsWith('/'));
  } catch {
    // no ld.so.conf: the defaults only
  }
  return [...conf, '/lib64', '/usr/lib64', '/lib', '/usr/lib', '/lib/x86_64-linux-gnu', '/usr/lib/x86_64-linux-gnu'];
}

export interface ElfLink {
  /** The ELF file's real path, relative to the root. */
  readonly file: string;
  /** A DT_NEEDED name, or the PT_INTERP path. */
  readonly needed: string;
  /** Where it resolves (real path relative to the root), or undefined when the loader would not find it. */
  readonly resolved: string | undefined;
}

export interface ElfScan {
  /** Every regular ELF file (real paths relative to the root). */
  readonly files: string[];
  readonly links: ElfLink[];
}

const hasElfMagic = (path: string): boolean => {
  const fd = openSync(path, 'r');
  try {
    const head = new Uint8Array(4);
    return readSync(fd, head, 0, 4, 0) === 4 && isElf(head);
  } finally {
    closeSync(fd);
  }
};

/** Every ELF file of a root and what each links: DT_NEEDED (RPATH, RUNPATH, $ORIGIN honoured) and PT_INTERP. */
export function scanElf(root: string): ElfScan {
  const files: string[] = [];
  const links: ElfLink[] = [];
  const defaults = loaderDirs(root);
  for (const e of readdirSync(root, { recursive: true, withFileTypes: true }) as Dirent[]) {
    if (!e.isFile()) continue;
    const abs = join(e.parentPath, e.name);
    if (!hasElfMagic(abs)) continue;
    const file = relative(root, abs);
    files.push(file);
    const elf = parseElf(readFileSync(abs), file);
    const origin = posix.dirname(`/${file}`);
    const expand = (d: string) => d.replace(/\$(?:ORIGIN|\{ORIGIN\})/g, origin);
    const dirs = [...(elf.runpath.length > 0 ? [] : elf.rpath), ...elf.runpath].flatMap((d) => d.split(':'));
    const search = [...dirs.map(expand), ...defaults];
    if (elf.interpreter) links.push({ file, needed: elf.interpreter, resolved: realPathIn(root, elf.interpreter) });
    for (const needed of elf.needed) {
      const resolved = needed.includes('/')
        ? realPathIn(root, posix.resolve(origin, needed))
        : search.map((d) => realPathIn(root, posix.join(d, needed))).find((p) => p !== undefined);
      links.push({ file, needed, resolved });
    }
  }
  return { files: files.sort(), links };
}
