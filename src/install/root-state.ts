import { lstatSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { readRootFile } from '../core/index.js';
import { type InstalledPackage, parseInstalledDb } from './installed-db.js';
import { type PathKind, resolveInRoot } from './safe-path.js';
import { parseScriptsTar, type ScriptEntry } from './scripts-db.js';
import { parseTriggersDb, type TriggerEntry } from './triggers-db.js';
import { parseWorld } from './world.js';

/** What a root's databases say, and where they live (real paths relative to the root). */
export interface RootState {
  /** `lib/apk/db`, or where it really is (`usr/lib/apk/db` in apko layouts). */
  readonly dbDir: string;
  readonly worldPath: string;
  readonly installed: InstalledPackage[];
  readonly scripts: ScriptEntry[];
  readonly triggers: TriggerEntry[];
  readonly world: string[];
}

/** What a path inside the root is on disk (no symlink is followed). */
export function fsLookup(root: string): (real: string) => PathKind {
  return (real) => {
    const p = join(root, real);
    try {
      const st = lstatSync(p);
      if (st.isSymbolicLink()) return { kind: 'symlink', target: readlinkSync(p) };
      return st.isDirectory() ? { kind: 'dir' } : { kind: 'other' };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'missing' };
      throw err;
    }
  };
}

/** Finds the database directory following the root's own layout (a `lib/apk` symlink is followed). */
export function locateDbDir(root: string): string {
  const lookup = fsLookup(root);
  for (const candidate of ['lib/apk/db', 'usr/lib/apk/db']) {
    const real = resolveInRoot(candidate, lookup, true, 'root');
    if (lookup(real).kind === 'dir') return real;
  }
  // No database yet: follow an existing lib/apk or lib symlink, else the classic place.
  return resolveInRoot('lib/apk/db', lookup, true, 'root');
}

/**
 * Reads the installed database, scripts.tar, triggers and world of a root (all may be missing), each
 * confined to the root: a symlink to a host file reads nothing of the host.
 */
export function readRootState(root: string): RootState {
  const dbDir = locateDbDir(root);
  const worldPath = resolveInRoot('etc/apk/world', fsLookup(root), false, 'root');
  const installedText = readRootFile(root, `${dbDir}/installed`);
  const scriptsBytes = readRootFile(root, `${dbDir}/scripts.tar`);
  const triggersText = readRootFile(root, `${dbDir}/triggers`);
  const worldText = readRootFile(root, worldPath);
  return {
    dbDir,
    worldPath,
    installed: installedText ? parseInstalledDb(installedText.toString('utf8'), join(dbDir, 'installed')) : [],
    scripts: scriptsBytes ? parseScriptsTar(scriptsBytes) : [],
    triggers: triggersText ? parseTriggersDb(triggersText.toString('utf8'), join(dbDir, 'triggers')) : [],
    world: worldText ? parseWorld(worldText.toString('utf8')) : [],
  };
}
