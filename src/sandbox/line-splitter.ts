import { StringDecoder } from 'node:string_decoder';
import type { LineSink } from './runner.js';

/** A line longer than this is passed on in pieces of this many characters. */
export const MAX_LINE = 1 << 20;

/**
 * Turns a byte stream into lines for a sink: UTF-8 decoded across chunk boundaries, `\n` or `\r\n`
 * endings removed, a last unterminated line delivered by `end()`.
 */
export class LineSplitter {
  readonly #sink: LineSink;
  readonly #decoder = new StringDecoder('utf8');
  #pending = '';

  constructor(sink: LineSink) {
    this.#sink = sink;
  }

  push(chunk: Uint8Array): void {
    this.#feed(this.#decoder.write(chunk as Buffer));
  }

  end(): void {
    this.#feed(this.#decoder.end());
    if (this.#pending !== '') this.#emit(this.#pending);
    this.#pending = '';
  }

  #feed(text: string): void {
    let buf = this.#pending + text;
    let nl = buf.indexOf('\n');
    while (nl !== -1) {
      this.#emit(buf.slice(0, nl));
      buf = buf.slice(nl + 1);
      nl = buf.indexOf('\n');
    }
    while (buf.length > MAX_LINE) {
      this.#sink(buf.slice(0, MAX_LINE));
      buf = buf.slice(MAX_LINE);
    }
    this.#pending = buf;
  }

  #emit(line: string): void {
    this.#sink(line.endsWith('\r') ? line.slice(0, -1) : line);
  }
}
