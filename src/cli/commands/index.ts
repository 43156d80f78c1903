import type { Command } from '../command.js';
import { apkCommand } from './apk.js';
import { imageShowConfigCommand } from './image-show-config.js';
import { indexCommand } from './index-cmd.js';
import { inspectCommand } from './inspect.js';
import { keygenCommand } from './keygen.js';
import { signCommand } from './sign.js';
import { verifyCommand } from './verify.js';

/** Every command, in help order. Each lives in its own `<noun>-<verb>.ts`. */
export const commands: readonly Command[] = [
  keygenCommand,
  signCommand,
  verifyCommand,
  inspectCommand,
  indexCommand,
  apkCommand,
  imageShowConfigCommand,
];
