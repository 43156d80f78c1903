import { checkLimit, defaultLimits, type Limits, LupineError } from '../core/index.js';
import { parsePax } from './pax.js';
import type { TarEntry } from './tar-entry.js';
import { BLOCK, decodeHeader, isZeroBlock, paddingFor } from './tar-header.js';
import { entryOf } from './tar-reader.js';

/** What a streaming tar read reports, in stream order. */
export interface TarStreamSink {
  /** A header (pax and long names applied); `data` calls for its content follow. */
  entry(entry: TarEntry, headerOffset: number): void;
  /** A piece of the current entry's content (regular files only). */
  data(chunk: Buffer): void;
  /** The current entry's content is complete. */
  entryEnd(entry: TarEntry): void;
}

function truncated(offset: number): LupineError {
  return new LupineError('TAR_TRUNCATED', `tar archive ends in the middle of an entry (at byte ${offset})`, {
    details: { offset },
    hint: 'the archive is incomplete; download or build it again',
  });
}

type State = 'header' | 'ext' | 'data' | 'pad' | 'end';

/**
 * Reads a tar archive pushed in pieces, holding at most one header block or one extended header in
 * memory: file contents go to the sink as they arrive. Same dialects and rules as `readTar` in
 * archive mode (end marker required, only zero blocks after it).
 */
export class TarStreamReader {
  readonly #sink: TarStreamSink;
  readonly #limits: Limits;
  #state: State = 'header';
  #offset = 0;
  #block = Buffer.alloc(BLOCK);
  #blockFill = 0;
  #ext: Buffer[] = [];
  #extFlag = '';
  #extHeaderOffset = 0;
  #remaining = 0;
  #pad = 0;
  #pax: Record<string, Buffer> = {};
  #longName: string | undefined;
  #longLink: string | undefined;
  #pending = false;
  #current: TarEntry | undefined;
  #entries = 0;
  #ended = false;

  constructor(sink: TarStreamSink, limits: Limits = defaultLimits) {
    this.#sink = sink;
    this.#limits = limits;
  }

  /** Entries read so far. */
  get entries(): number {
    return this.#entries;
  }

  push(chunk: Buffer): void {
    let p = 0;
    while (p < chunk.length) {
      if (this.#state === 'data' || this.#state === 'ext') {
        const n = Math.min(this.#remaining, chunk.length - p);
        const piece = chunk.subarray(p, p + n);
        if (this.#state === 'data') this.#sink.data(piece);
        else this.#ext.push(Buffer.from(piece));
        this.#remaining -= n;
        this.#offset += n;
        p += n;
        if (this.#remaining === 0) this.#bodyDone();
        continue;
      }
      if (this.#state === 'pad') {
        const n = Math.min(this.#pad, chunk.length - p);
        this.#pad -= n;
        this.#offset += n;
        p += n;
        if (this.#pad === 0) this.#state = 'header';
        continue;
      }
      const n = Math.min(BLOCK - this.#blockFill, chunk.length - p);
      chunk.copy(this.#block, this.#blockFill, p, p + n);
      this.#blockFill += n;
      p += n;
      if (this.#blockFill < BLOCK) continue;
      this.#blockFill = 0;
      const at = this.#offset;
      this.#offset += BLOCK;
      if (this.#state === 'end') {
        if (!isZeroBlock(this.#block, 0)) {
          throw new LupineError('TAR_TRAILING_DATA', `data after the end of the tar archive at byte ${at}`, {
            details: { offset: at },
            hint: 'the archive is damaged or has something appended to it',
          });
        }
        continue;
      }
      this.#header(at);
    }
  }

  /** The input is complete: it must have ended with an end-of-archive marker. */
  finish(): void {
    if (!this.#ended || this.#blockFill !== 0) throw truncated(this.#offset);
  }

  #header(at: number): void {
    const b = this.#block;
    if (isZeroBlock(b, 0)) {
      if (this.#pending) throw truncated(at);
      this.#state = 'end';
      this.#ended = true;
      return;
    }
    const h = decodeHeader(b, 0);
    const isData = h.typeflag === '0' || h.typeflag === '\0' || h.typeflag === '7';
    const paxSize = this.#pax.size === undefined ? undefined : Number(this.#pax.size.toString('latin1'));
    if (paxSize !== undefined && !Number.isSafeInteger(paxSize)) throw truncated(at);
    if ('xgLK'.includes(h.typeflag)) {
      checkLimit('tar extended header size', h.size, this.#limits.maxHeaderBytes);
      this.#pending = true;
      this.#extFlag = h.typeflag;
      this.#extHeaderOffset = at;
      this.#ext = [];
      this.#remaining = h.size;
      this.#state = 'ext';
      if (h.size === 0) this.#bodyDone();
      return;
    }
    const size = isData ? (paxSize ?? h.size) : 0;
    checkLimit('tar entry size', size, this.#limits.maxEntryBytes);
    const entry = entryOf(h, this.#pax, this.#longName, this.#longLink, size, at);
    this.#entries++;
    checkLimit('tar entry count', this.#entries, this.#limits.maxEntries);
    this.#pax = {};
    this.#longName = undefined;
    this.#longLink = undefined;
    this.#pending = false;
    this.#current = entry;
    this.#sink.entry(entry, at);
    this.#remaining = size;
    this.#state = 'data';
    if (size === 0) this.#bodyDone();
  }

  #bodyDone(): void {
    if (this.#state === 'ext') {
      const body = Buffer.concat(this.#ext);
      this.#ext = [];
      if (this.#extFlag === 'x') for (const r of parsePax(body, this.#extHeaderOffset)) this.#pax[r.key] = r.value;
      else if (this.#extFlag === 'L') this.#longName = cString(body);
      else if (this.#extFlag === 'K') this.#longLink = cString(body);
      this.#pad = paddingFor(body.length);
    } else {
      const entry = this.#current as TarEntry;
      this.#current = undefined;
      this.#sink.entryEnd(entry);
      this.#pad = paddingFor(entry.size);
    }
    this.#state = this.#pad === 0 ? 'header' : 'pad';
  }
}

function cString(b: Buffer): string {
  const z = b.indexOf(0);
  return b.toString('utf8', 0, z < 0 ? b.length : z);
}
