/** The apk architecture name of a Node.js `os.arch()` value (this machine by default). */
import { arch as osArch } from 'node:os';
import { ARCH_TABLE } from './arch.js';

/** `x64` → `x86_64`, `arm64` → `aarch64`, …; a name apk does not rename passes through. */
export function hostApkArch(nodeArch: string = osArch()): string {
  return ARCH_TABLE.find((r) => r.node === nodeArch)?.apk ?? nodeArch;
}
