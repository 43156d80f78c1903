import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { StagedDir, StagedFile, StagedNode } from './stage.js';

export interface Skeleton {
  readonly dirs: StagedDir[];
  readonly nodes: StagedNode[];
  readonly files: StagedFile[];
}

/** `apk --initdb`'s directories and device nodes (apk-tools 2.14 `apk_db_create`). */
const INITDB_DIRS: readonly [string, number][] = [
  ['tmp', 0o1777],
  ['dev', 0o755],
  ['etc', 0o755],
  ['etc/apk', 0o755],
  ['proc', 0o555],
  ['var', 0o755],
  ['var/cache', 0o755],
  ['var/cache/apk', 0o755],
  ['var/cache/misc', 0o755],
];

const INITDB_NODES: readonly StagedNode[] = [
  { path: 'dev/null', type: 'chardev', mode: 0o666, devmajor: 1, devminor: 3 },
  { path: 'dev/zero', type: 'chardev', mode: 0o666, devmajor: 1, devminor: 5 },
  { path: 'dev/random', type: 'chardev', mode: 0o666, devmajor: 1, devminor: 8 },
  { path: 'dev/urandom', type: 'chardev', mode: 0o666, devmajor: 1, devminor: 9 },
  { path: 'dev/console', type: 'chardev', mode: 0o600, devmajor: 5, devminor: 1 },
];

/** What a transaction adds besides packages: the lock file, `etc/apk/arch`, and with initDb apk's skeleton. */
export function initDbSkeleton(root: string, dbDir: string, opts: { initDb?: boolean; arch?: string }): Skeleton {
  const dirs: StagedDir[] = [];
  const nodes: StagedNode[] = [];
  const files: StagedFile[] = [];
  if (opts.initDb) {
    for (const [path, mode] of INITDB_DIRS) dirs.push({ path, mode });
    nodes.push(...INITDB_NODES);
  }
  dirs.push({ path: dbDir, mode: 0o755 });
  if (opts.arch && !existsSync(join(root, 'etc/apk/arch'))) {
    files.push({ path: 'etc/apk/arch', data: Buffer.from(`${opts.arch}\n`), mode: 0o644 });
  }
  if (!existsSync(join(root, dbDir, 'lock'))) files.push({ path: `${dbDir}/lock`, data: Buffer.alloc(0), mode: 0o600 });
  return { dirs, nodes, files };
}
