/**
 * apko's InitDB layout (spec §3 step 1): base directories, the apk database under `usr/lib/apk/db`
 * with `lib/apk` a symlink to it, empty database files, and the device nodes. Device nodes are not
 * created on disk (that needs privileges and nothing runs in the root); they exist only as layer
 * entries (`DEVICE_NODES`).
 */
import { chmod, mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Directories apko creates before installing, with their modes. Parents come first. */
export const BASE_DIRS: readonly (readonly [string, number])[] = [
  ['dev', 0o755],
  ['etc', 0o755],
  ['etc/apk', 0o755],
  ['etc/apk/keys', 0o755],
  ['lib', 0o755],
  ['opt', 0o755],
  ['proc', 0o555],
  ['tmp', 0o1777],
  ['usr', 0o755],
  ['usr/lib', 0o755],
  ['usr/lib/apk', 0o755],
  ['usr/lib/apk/db', 0o755],
  ['usr/lib/apk/exec', 0o755],
  ['var', 0o755],
  ['var/cache', 0o755],
  ['var/cache/apk', 0o755],
  ['var/cache/misc', 0o755],
];

export interface DeviceNode {
  readonly path: string;
  readonly mode: number;
  readonly devmajor: number;
  readonly devminor: number;
}

/** apko's character devices (console 0620, the others 0666). */
export const DEVICE_NODES: readonly DeviceNode[] = [
  { path: 'dev/console', mode: 0o620, devmajor: 5, devminor: 1 },
  { path: 'dev/null', mode: 0o666, devmajor: 1, devminor: 3 },
  { path: 'dev/random', mode: 0o666, devmajor: 1, devminor: 8 },
  { path: 'dev/urandom', mode: 0o666, devmajor: 1, devminor: 9 },
  { path: 'dev/zero', mode: 0o666, devmajor: 1, devminor: 5 },
];

/** An empty tar (two zero blocks): apko's `scripts.tar` when no package has scripts. */
export const EMPTY_TAR = Buffer.alloc(1024);

/** Writes the skeleton into an empty root. */
export async function writeBaseLayout(root: string, apkArch: string): Promise<void> {
  for (const [dir, mode] of BASE_DIRS) {
    await mkdir(join(root, dir), { mode });
    await chmod(join(root, dir), mode);
  }
  await symlink('../usr/lib/apk', join(root, 'lib/apk'));
  const files: [string, Uint8Array, number][] = [
    ['etc/apk/world', Buffer.alloc(0), 0o644],
    ['etc/apk/repositories', Buffer.alloc(0), 0o644],
    ['etc/apk/arch', Buffer.from(`${apkArch}\n`), 0o644],
    ['usr/lib/apk/db/lock', Buffer.alloc(0), 0o600],
    ['usr/lib/apk/db/triggers', Buffer.alloc(0), 0o644],
    ['usr/lib/apk/db/installed', Buffer.alloc(0), 0o644],
    ['usr/lib/apk/db/scripts.tar', EMPTY_TAR, 0o644],
  ];
  for (const [path, data, mode] of files) {
    await writeFile(join(root, path), data, { mode });
    await chmod(join(root, path), mode);
  }
}
