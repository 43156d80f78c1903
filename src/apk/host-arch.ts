/** The apk architecture name of a Node.js `os.arch()` value (this machine by default). */
import { arch as osArch } from 'node:os';

const NODE_TO_APK: Readonly<Record<string, string>> = {
  x64: 'x86_64',
  arm64: 'aarch64',
  ia32: 'x86',
  arm: 'armv7',
  ppc64: 'ppc64le',
  s390x: 's390x',
  riscv64: 'riscv64',
  loong64: 'loongarch64',
};

/** `x64` → `x86_64`, `arm64` → `aarch64`, …; a name apk does not rename passes through. */
export function hostApkArch(nodeArch: string = osArch()): string {
  return NODE_TO_APK[nodeArch] ?? nodeArch;
}
