import type { Command } from '../command.js';

/** Every command, in help order. Each lives in its own `<noun>-<verb>.ts`. */
export const commands: readonly Command[] = [];
