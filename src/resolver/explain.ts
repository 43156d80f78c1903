/**
 * Renders a Conflict exactly as apk-tools 2.14 prints `ERROR: unable to select packages:`, with its
 * indented word wrapping (`apk_print_indented`, 50 columns unless a terminal says otherwise).
 */
import type { Conflict } from './types.js';

export const DEFAULT_REPORT_WIDTH = 50;

/** Wraps items after a label the way apk_print_indented does. */
export class IndentedWriter {
  #out = '';
  #x = 0;
  #indent = 0;
  readonly #width: number;

  constructor(width = DEFAULT_REPORT_WIDTH) {
    this.#width = width;
  }

  /** Starts a group with a leading text; items then align one column after it (or at `indent`). */
  group(text: string, indent = 0): void {
    this.#out += text;
    this.#x = text.length;
    this.#indent = indent || this.#x + 1;
    if (text.endsWith('\n')) this.#x = 0;
  }

  line(text: string): void {
    this.#out += text;
    this.#x = 0;
    this.#indent = 0;
  }

  item(text: string): void {
    if (this.#x <= this.#indent) {
      this.#out += ' '.repeat(this.#indent - this.#x) + text;
      this.#x = this.#indent + text.length;
    } else if (this.#x + text.length + 1 >= this.#width) {
      this.#out += `\n${' '.repeat(this.#indent)}${text}`;
      this.#x = this.#indent + text.length;
    } else {
      this.#out += ` ${text}`;
      this.#x += text.length + 1;
    }
  }

  end(): void {
    if (this.#x) {
      this.#out += '\n';
      this.#x = 0;
      this.#indent = 0;
    }
  }

  get x(): number {
    return this.#x;
  }

  text(): string {
    return this.#out;
  }
}

/** The full report, starting with `ERROR: unable to select packages:`. */
export function explainConflict(conflict: Conflict, width = DEFAULT_REPORT_WIDTH): string {
  const w = new IndentedWriter(width);
  w.line('ERROR: unable to select packages:\n');
  for (const s of conflict.stanzas) {
    w.line(`  ${s.title}:\n`);
    for (const l of s.lines) {
      w.group(`    ${l.label}`);
      for (const item of l.items) w.item(item);
      w.end();
    }
  }
  if (conflict.stanzas.length === 0) w.line('Huh? Error reporter did not find the broken constraints.\n');
  return w.text();
}
