import { LupineError } from '../../core/index.js';

/**
 * A small, bounds-checked ELF reader: just what SCA and the linters need (class, byte order,
 * machine, type, the interpreter, and the dynamic section's NEEDED / SONAME / RPATH / RUNPATH).
 * Like Go's debug/elf (which melange uses), dynamic strings come from the SHT_DYNAMIC section and
 * its linked string table; a file without section headers falls back to PT_DYNAMIC + DT_STRTAB.
 * Anything out of bounds is an `ELF_MALFORMED` LupineError, never an exception of another kind.
 */

export type ElfClass = 32 | 64;
export type ElfEndian = 'little' | 'big';
export type ElfType = 'none' | 'rel' | 'exec' | 'dyn' | 'core' | 'other';

export interface ElfInfo {
  readonly class: ElfClass;
  readonly endian: ElfEndian;
  /** `e_machine` (62 x86-64, 183 aarch64, 3 i386, 40 arm, 21 ppc64, 22 s390, 8 mips, 243 riscv). */
  readonly machine: number;
  readonly type: ElfType;
  /** The PT_INTERP path with NULs trimmed, or undefined. */
  readonly interpreter: string | undefined;
  /** DT_NEEDED entries, in file order. */
  readonly needed: readonly string[];
  /** DT_SONAME entries (normally zero or one). */
  readonly soname: readonly string[];
  readonly rpath: readonly string[];
  readonly runpath: readonly string[];
  /** True when the object has a dynamic section (SHT_DYNAMIC or PT_DYNAMIC). */
  readonly dynamic: boolean;
  /**
   * Statically linked: no interpreter, no NEEDED and no SONAME (static-pie binaries count as
   * static; a shared library with a SONAME does not).
   */
  readonly isStatic: boolean;
  /** Section names, in header order ('' for unnamed sections). */
  readonly sections: readonly string[];
  /** Section headers (name, type, file offset and size), in header order. */
  readonly sectionTable: readonly ElfSection[];
}

export interface ElfSection {
  readonly name: string;
  readonly type: number;
  readonly offset: number;
  readonly size: number;
}

export const EM_386 = 3;
export const EM_MIPS = 8;
export const EM_PPC64 = 21;
export const EM_S390 = 22;
export const EM_ARM = 40;
export const EM_X86_64 = 62;
export const EM_AARCH64 = 183;
export const EM_RISCV = 243;

const PT_LOAD = 1;
const PT_DYNAMIC = 2;
const PT_INTERP = 3;
const SHT_DYNAMIC = 6;
const SHT_NOBITS = 8;
const DT_NULL = 0;
const DT_NEEDED = 1;
const DT_STRTAB = 5;
const DT_STRSZ = 10;
const DT_SONAME = 14;
const DT_RPATH = 15;
const DT_RUNPATH = 29;

/** Whether the bytes start with the ELF magic `\x7fELF`. */
export function isElf(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c && bytes[3] === 0x46;
}

class Reader {
  readonly #view: DataView;
  readonly #little: boolean;
  readonly #source: string;
  readonly length: number;

  constructor(bytes: Uint8Array, little: boolean, source: string) {
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.#little = little;
    this.#source = source;
    this.length = bytes.byteLength;
  }

  fail(what: string): never {
    throw new LupineError('ELF_MALFORMED', `${this.#source}: malformed ELF: ${what}`, {
      details: { path: this.#source },
    });
  }

  check(offset: number, size: number, what: string): void {
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(size) || offset < 0 || size < 0) this.fail(what);
    if (offset + size > this.length) this.fail(`${what} lies outside the file (${offset}+${size} > ${this.length})`);
  }

  u8(o: number, what: string): number {
    this.check(o, 1, what);
    return this.#view.getUint8(o);
  }
  u16(o: number, what: string): number {
    this.check(o, 2, what);
    return this.#view.getUint16(o, this.#little);
  }
  u32(o: number, what: string): number {
    this.check(o, 4, what);
    return this.#view.getUint32(o, this.#little);
  }
  u64(o: number, what: string): number {
    this.check(o, 8, what);
    const v = this.#view.getBigUint64(o, this.#little);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) this.fail(`${what} is out of range`);
    return Number(v);
  }
  /** A NUL-terminated string inside [start, end). */
  cstring(bytes: Uint8Array, start: number, end: number, what: string): string {
    if (start < 0 || start >= end || end > bytes.length) this.fail(`${what}: string offset out of range`);
    let i = start;
    while (i < end && bytes[i] !== 0) i++;
    return Buffer.from(bytes.buffer, bytes.byteOffset + start, i - start).toString('latin1');
  }
}

interface Section {
  readonly name: number;
  readonly type: number;
  readonly offset: number;
  readonly size: number;
  readonly link: number;
}

interface Segment {
  readonly type: number;
  readonly offset: number;
  readonly vaddr: number;
  readonly filesz: number;
}

const TYPES: Record<number, ElfType> = { 0: 'none', 1: 'rel', 2: 'exec', 3: 'dyn', 4: 'core' };

/** Parses an ELF object's headers and dynamic section. `source` names the file in errors. */
// long: one bounds-checked walk down the ELF layout (ident, program headers, section headers, names, dynamic); each step reads offsets the previous one checked
export function parseElf(bytes: Uint8Array, source = 'ELF file'): ElfInfo {
  if (!isElf(bytes)) throw new LupineError('ELF_MALFORMED', `${source}: not an ELF file (bad magic)`);
  if (bytes.length < 16) throw new LupineError('ELF_MALFORMED', `${source}: malformed ELF: truncated identification`);
  const cls = bytes[4];
  const data = bytes[5];
  if (cls !== 1 && cls !== 2) throw new LupineError('ELF_MALFORMED', `${source}: malformed ELF: unknown class ${cls}`);
  if (data !== 1 && data !== 2)
    throw new LupineError('ELF_MALFORMED', `${source}: malformed ELF: unknown data encoding ${data}`);
  if (bytes[6] !== 1) throw new LupineError('ELF_MALFORMED', `${source}: malformed ELF: unknown version ${bytes[6]}`);
  const is64 = cls === 2;
  const r = new Reader(bytes, data === 1, source);
  r.check(0, is64 ? 64 : 52, 'ELF header');
  const type = r.u16(16, 'e_type');
  const machine = r.u16(18, 'e_machine');
  const word = (o: number, what: string) => (is64 ? r.u64(o, what) : r.u32(o, what));
  const phoff = word(is64 ? 32 : 28, 'e_phoff');
  const shoff = word(is64 ? 40 : 32, 'e_shoff');
  const phentsize = r.u16(is64 ? 54 : 42, 'e_phentsize');
  const phnum = r.u16(is64 ? 56 : 44, 'e_phnum');
  const shentsize = r.u16(is64 ? 58 : 46, 'e_shentsize');
  let shnum = r.u16(is64 ? 60 : 48, 'e_shnum');
  let shstrndx = r.u16(is64 ? 62 : 50, 'e_shstrndx');

  const segments: Segment[] = [];
  if (phnum > 0) {
    if (phentsize < (is64 ? 56 : 32)) r.fail(`program header entry size ${phentsize} is too small`);
    r.check(phoff, phnum * phentsize, 'program header table');
    for (let i = 0; i < phnum; i++) {
      const o = phoff + i * phentsize;
      segments.push(
        is64
          ? {
              type: r.u32(o, 'p_type'),
              offset: r.u64(o + 8, 'p_offset'),
              vaddr: r.u64(o + 16, 'p_vaddr'),
              filesz: r.u64(o + 32, 'p_filesz'),
            }
          : {
              type: r.u32(o, 'p_type'),
              offset: r.u32(o + 4, 'p_offset'),
              vaddr: r.u32(o + 8, 'p_vaddr'),
              filesz: r.u32(o + 16, 'p_filesz'),
            },
      );
    }
  }

  const readSection = (o: number): Section =>
    is64
      ? {
          name: r.u32(o, 'sh_name'),
          type: r.u32(o + 4, 'sh_type'),
          offset: r.u64(o + 24, 'sh_offset'),
          size: r.u64(o + 32, 'sh_size'),
          link: r.u32(o + 40, 'sh_link'),
        }
      : {
          name: r.u32(o, 'sh_name'),
          type: r.u32(o + 4, 'sh_type'),
          offset: r.u32(o + 16, 'sh_offset'),
          size: r.u32(o + 20, 'sh_size'),
          link: r.u32(o + 24, 'sh_link'),
        };
  const sections: Section[] = [];
  if (shoff > 0) {
    if (shentsize < (is64 ? 64 : 40)) r.fail(`section header entry size ${shentsize} is too small`);
    r.check(shoff, shentsize, 'section header table');
    const first = readSection(shoff);
    if (shnum === 0) shnum = first.size; // extended numbering
    if (shstrndx === 0xffff) shstrndx = first.link;
    r.check(shoff, shnum * shentsize, 'section header table');
    for (let i = 0; i < shnum; i++) sections.push(i === 0 ? first : readSection(shoff + i * shentsize));
    if (shnum > 0 && shstrndx >= shnum) r.fail(`section name table index ${shstrndx} is out of range`);
  }
  const contents = (s: { offset: number; size: number }, what: string): Uint8Array => {
    r.check(s.offset, s.size, what);
    return bytes.subarray(s.offset, s.offset + s.size);
  };

  const names: string[] = [];
  const shstr = sections[shstrndx];
  if (shstr !== undefined && shstr.type !== SHT_NOBITS && shnum > 0) {
    const table = contents(shstr, 'section name table');
    for (const s of sections) names.push(s.name === 0 ? '' : r.cstring(table, s.name, table.length, 'section name'));
  } else {
    for (let i = 0; i < sections.length; i++) names.push('');
  }

  let interpreter: string | undefined;
  const interp = segments.find((p) => p.type === PT_INTERP);
  if (interp !== undefined) {
    const raw = contents({ offset: interp.offset, size: interp.filesz }, 'PT_INTERP segment');
    interpreter = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength)
      .toString('latin1')
      .replace(/^\0+|\0+$/g, '');
  }

  const dyn = readDynamic(r, is64, sections, segments, contents);
  const needed = dyn.strings(DT_NEEDED);
  const soname = dyn.strings(DT_SONAME);
  return {
    class: is64 ? 64 : 32,
    endian: data === 1 ? 'little' : 'big',
    machine,
    type: TYPES[type] ?? 'other',
    interpreter,
    needed,
    soname,
    rpath: dyn.strings(DT_RPATH),
    runpath: dyn.strings(DT_RUNPATH),
    dynamic: dyn.present,
    isStatic: interpreter === undefined && needed.length === 0 && soname.length === 0,
    sections: names,
    sectionTable: sections.map((sec, i) => ({
      name: names[i] ?? '',
      type: sec.type,
      offset: sec.offset,
      size: sec.size,
    })),
  };
}

interface Dynamic {
  readonly present: boolean;
  strings(tag: number): string[];
}

function readDynamic(
  r: Reader,
  is64: boolean,
  sections: readonly Section[],
  segments: readonly Segment[],
  contents: (s: { offset: number; size: number }, what: string) => Uint8Array,
): Dynamic {
  const entsize = is64 ? 16 : 8;
  let table: { offset: number; size: number } | undefined;
  let strtab: Uint8Array | undefined;
  const ds = sections.find((s) => s.type === SHT_DYNAMIC);
  if (ds !== undefined) {
    table = { offset: ds.offset, size: ds.size };
    const link = sections[ds.link];
    if (link === undefined) r.fail(`dynamic section links to missing section ${ds.link}`);
    strtab = link.type === SHT_NOBITS ? new Uint8Array(0) : contents(link, 'dynamic string table');
  } else {
    const pd = segments.find((p) => p.type === PT_DYNAMIC);
    if (pd !== undefined) table = { offset: pd.offset, size: pd.filesz };
  }
  if (table === undefined) return { present: false, strings: () => [] };
  r.check(table.offset, table.size, 'dynamic section');
  const entries: Array<[number, number]> = [];
  for (let o = table.offset; o + entsize <= table.offset + table.size; o += entsize) {
    const tag = is64 ? r.u64(o, 'd_tag') : r.u32(o, 'd_tag');
    const val = is64 ? r.u64(o + 8, 'd_val') : r.u32(o + 4, 'd_val');
    if (tag === DT_NULL) break;
    entries.push([tag, val]);
  }
  if (strtab === undefined) {
    // No section headers: map DT_STRTAB's address through the PT_LOAD segments.
    const addr = entries.find(([t]) => t === DT_STRTAB)?.[1];
    const size = entries.find(([t]) => t === DT_STRSZ)?.[1];
    const load = segments.find(
      (p) => p.type === PT_LOAD && addr !== undefined && addr >= p.vaddr && addr < p.vaddr + p.filesz,
    );
    if (addr !== undefined && load !== undefined) {
      const offset = load.offset + (addr - load.vaddr);
      const max = load.offset + load.filesz - offset;
      strtab = contents({ offset, size: size === undefined ? max : Math.min(size, max) }, 'dynamic string table');
    } else {
      strtab = new Uint8Array(0);
    }
  }
  const st = strtab;
  return {
    present: true,
    strings: (tag) => entries.filter(([t]) => t === tag).map(([, v]) => r.cstring(st, v, st.length, 'dynamic string')),
  };
}
