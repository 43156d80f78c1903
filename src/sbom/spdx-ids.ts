import { sha256Hex } from '../core/index.js';

/** An SPDX id body: characters outside `[A-Za-z0-9.-]` become '-'. */
export function sanitizeSpdxId(text: string): string {
  return text.replace(/[^A-Za-z0-9.-]/g, '-');
}

/** Hands out unique, valid SPDXIDs; a clash gets a short hash of the wanted text appended. */
export class SpdxIds {
  readonly #used = new Set<string>(['SPDXRef-DOCUMENT']);

  /** `SPDXRef-<prefix><sanitized text>`, unique within the document. */
  allocate(prefix: string, text: string): string {
    const base = `SPDXRef-${prefix}${sanitizeSpdxId(text)}`;
    let id = base;
    for (let n = 0; this.#used.has(id); n++) id = `${base}-${sha256Hex(`${n}:${text}`).slice(0, 8)}`;
    this.#used.add(id);
    return id;
  }

  /** Claims an id as it is (for ids copied from other documents); false when it is taken. */
  claim(id: string): boolean {
    if (this.#used.has(id)) return false;
    this.#used.add(id);
    return true;
  }

  has(id: string): boolean {
    return this.#used.has(id);
  }
}
