import { formatInstalledDb, type InstalledPackage } from './installed-db.js';
import type { PackageContents } from './package-contents.js';
import type { InstallPlan } from './plan.js';
import type { RootState } from './root-state.js';
import { formatScriptsTar, type ScriptEntry, scriptRank } from './scripts-db.js';
import type { TriggerPlan } from './scripts-run.js';
import type { StagedFile } from './stage.js';
import { formatTriggersDb, type TriggerEntry } from './triggers-db.js';
import { formatWorld } from './world.js';

/** A package's scripts as scripts.tar stores them (apk's per-package order, mode 0755). */
export function newScripts(pkg: PackageContents, mtime: number): ScriptEntry[] {
  return [...pkg.scripts]
    .sort((a, b) => scriptRank(a.type) - scriptRank(b.type))
    .map((s) => ({
      pkgver: `${pkg.info.name}-${pkg.info.version}`,
      identity: pkg.identity,
      type: s.type,
      data: Buffer.from(s.data),
      mode: 0o755,
      uid: 0,
      gid: 0,
      mtime,
    }));
}

/**
 * The databases after the change, as files at their real paths (world, scripts.tar, triggers, then
 * installed last). scripts.tar and triggers keep the old entries in order and append the new ones, as
 * apk's installed-package list does.
 */
export function databaseFiles(
  state: RootState,
  installed: InstalledPackage[],
  leaving: ReadonlySet<string>,
  incoming: readonly PackageContents[],
  world: readonly string[],
  mtime: number,
): { files: StagedFile[]; triggers: TriggerEntry[] } {
  const scripts = state.scripts.filter((s) => !leaving.has(s.identity));
  for (const p of incoming) scripts.push(...newScripts(p, mtime));
  const triggers: TriggerEntry[] = state.triggers.filter((t) => !leaving.has(t.identity));
  for (const p of incoming) {
    if (p.info.triggers.length) triggers.push({ identity: p.identity, globs: [...p.info.triggers] });
  }
  const db = state.dbDir;
  return {
    triggers,
    files: [
      { path: state.worldPath, data: Buffer.from(formatWorld(world)), mode: 0o644 },
      { path: `${db}/scripts.tar`, data: formatScriptsTar(scripts), mode: 0o644 },
      { path: `${db}/triggers`, data: Buffer.from(formatTriggersDb(triggers)), mode: 0o644 },
      { path: `${db}/installed`, data: Buffer.from(formatInstalledDb(installed)), mode: 0o644 },
    ],
  };
}

function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}

/** What the triggers see at the end of a commit. */
export function triggerPlan(
  plan: InstallPlan,
  triggers: readonly TriggerEntry[],
  state: RootState,
  incoming: readonly PackageContents[],
): TriggerPlan {
  const scripts = new Map<string, { pkgver: string; data: Uint8Array }>();
  for (const s of state.scripts) if (s.type === 'trigger') scripts.set(s.identity, { pkgver: s.pkgver, data: s.data });
  for (const p of incoming) {
    const t = p.scripts.find((s) => s.type === 'trigger');
    if (t) scripts.set(p.identity, { pkgver: `${p.info.name}-${p.info.version}`, data: t.data });
  }
  const changedDirs = new Set<string>();
  for (const pl of plan.place) changedDirs.add(parentOf(pl.path));
  for (const f of plan.removeFiles) changedDirs.add(parentOf(f));
  changedDirs.delete('');
  return {
    triggers,
    scripts,
    changedDirs,
    fresh: new Set(incoming.map((p) => p.identity)),
    allDirs: new Set(plan.installed.flatMap((p) => p.dirs.map((d) => d.path)).filter((d) => d !== '')),
  };
}
