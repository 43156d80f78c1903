/**
 * The solver's work lists: names to resolve right away, auto-selectable names, and the rest; the
 * last two are kept in descending discovery order (higher order ids are resolved first).
 */
import type { Name } from './model.js';

export const Q_NONE = 0;
const Q_RESOLVENOW = 1;
const Q_SELECTABLE = 2;
const Q_UNRESOLVED = 3;

export class NameQueues {
  #resolveNow: Name[] = [];
  #selectable: Name[] = [];
  #unresolved: Name[] = [];

  #list(q: number): Name[] {
    return q === Q_RESOLVENOW ? this.#resolveNow : q === Q_SELECTABLE ? this.#selectable : this.#unresolved;
  }

  remove(name: Name): void {
    const list = this.#list(name.ss.queue);
    const i = list.indexOf(name);
    if (i >= 0) list.splice(i, 1);
    name.ss.queue = Q_NONE;
  }

  /** Queues for immediate resolution (FIFO). */
  now(name: Name): void {
    name.ss.queue = Q_RESOLVENOW;
    this.#resolveNow.push(name);
  }

  /** Queues by order id, highest first, on the auto-selectable list or the other one. */
  insert(name: Name, autoSelectable: boolean): void {
    const q = autoSelectable ? Q_SELECTABLE : Q_UNRESOLVED;
    const list = this.#list(q);
    name.ss.queue = q;
    let i = 0;
    while (i < list.length && name.ss.orderId < (list[i] as Name).ss.orderId) i++;
    list.splice(i, 0, name);
  }

  /** The next name to choose a provider for, if any. */
  next(): Name | undefined {
    const list = this.#resolveNow.length
      ? this.#resolveNow
      : this.#selectable.length
        ? this.#selectable
        : this.#unresolved;
    const name = list.shift();
    if (name) name.ss.queue = Q_NONE;
    return name;
  }
}
