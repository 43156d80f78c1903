import { spawn } from 'node:child_process';
import { existsSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import type { InstalledPackage } from './installed-db.js';
import { type ChangeHook, REMOVAL, TXN_DIR } from './journal.js';
import type { PackageContents } from './package-contents.js';
import { ensureRealDir, writeFileInRoot } from './safe-write.js';
import type { ScriptEntry } from './scripts-db.js';
import { type TriggerEntry, triggerMatches } from './triggers-db.js';

/** One scriptlet that ran, and how it ended. */
export interface ScriptRun {
  /** `name-version`. */
  readonly package: string;
  /** The package's name. */
  readonly name: string;
  readonly type: string;
  readonly exitCode: number;
}

export interface ScriptPlan {
  readonly incoming: readonly PackageContents[];
  readonly removed: readonly InstalledPackage[];
  readonly current: ReadonlyMap<string, InstalledPackage>;
  /** The root's scripts.tar before the change (removed packages' scripts come from there). */
  readonly stored: readonly ScriptEntry[];
}

/** How many ids the script's user namespace maps (root's owner and the 65535 ids after it). */
const ID_RANGE = 65536;

/**
 * The capabilities a script keeps inside its user namespace: enough to chown and chmod files within
 * the root (what apk scripts do), nothing that mounts, loads modules, or reaches the host's kernel
 * settings. They count only inside the namespace anyway.
 */
const KEPT_CAPS = ['CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FOWNER', 'CAP_FSETID'];

/**
 * The bubblewrap arguments for a script: a new user namespace (mapped by `mapIds` to the root's
 * owner), every other namespace unshared, no new privileges (bwrap always sets it), all capabilities
 * dropped but KEPT_CAPS, the root bound at / and nothing else of the host, a fresh /dev, /proc
 * read-only, and lupine's staging directory hidden under an empty tmpfs.
 */
export function sandboxArgs(root: string, argv: readonly string[]): string[] {
  return [
    '--unshare-user',
    '--userns-block-fd',
    '3',
    '--info-fd',
    '4',
    '--uid',
    '0',
    '--gid',
    '0',
    '--unshare-all',
    '--die-with-parent',
    '--cap-drop',
    'ALL',
    ...KEPT_CAPS.flatMap((c) => ['--cap-add', c]),
    '--bind',
    root,
    '/',
    '--dev',
    '/dev',
    '--proc',
    '/proc',
    '--remount-ro',
    '/proc',
    ...(existsSync(join(root, TXN_DIR)) ? ['--tmpfs', `/${TXN_DIR}`] : []),
    ...argv,
  ];
}

/**
 * Maps the sandbox's ids 0… to the root's owner: the whole range when we may (we are root), else
 * just the owner's id (an unprivileged user maps only itself).
 */
function mapIds(pid: number, owner: { uid: number; gid: number }): void {
  try {
    writeFileSync(`/proc/${pid}/uid_map`, `0 ${owner.uid} ${ID_RANGE}\n`);
    writeFileSync(`/proc/${pid}/gid_map`, `0 ${owner.gid} ${ID_RANGE}\n`);
  } catch {
    writeFileSync(`/proc/${pid}/uid_map`, `0 ${owner.uid} 1\n`);
    writeFileSync(`/proc/${pid}/setgroups`, 'deny');
    writeFileSync(`/proc/${pid}/gid_map`, `0 ${owner.gid} 1\n`);
  }
}

/** Runs `argv` (a path inside the root, then arguments) in the sandbox of `sandboxArgs`. */
export function runInRoot(root: string, argv: readonly string[]): Promise<number> {
  const st = statSync(root);
  const owner = { uid: st.uid, gid: st.gid };
  return new Promise((resolve) => {
    const child = spawn('bwrap', sandboxArgs(root, argv), {
      stdio: ['ignore', 'ignore', 'ignore', 'pipe', 'pipe'],
      env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' },
    });
    const block = child.stdio[3] as Writable;
    const info = child.stdio[4] as Readable;
    block.on('error', () => {});
    let text = '';
    let mapped = false;
    info.on('data', (d: Buffer) => {
      text += d.toString();
      const m = /"child-pid"\s*:\s*(\d+)/.exec(text);
      if (!m || mapped) return;
      mapped = true;
      try {
        mapIds(Number(m[1]), owner);
        block.end('1');
      } catch {
        // Without a mapping the script must not run at all.
        child.kill('SIGKILL');
      }
    });
    child.on('error', () => resolve(127));
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}

/** Where scripts are put for running, as apk does (never through a link a package shipped). */
const SCRIPT_DIR = 'var/cache/misc';

async function runOne(root: string, pkgver: string, type: string, data: Uint8Array, args: string[]): Promise<number> {
  const name = `${pkgver}.${type}`;
  writeFileInRoot(root, `${SCRIPT_DIR}/${name}`, data, 0o755);
  try {
    return await runInRoot(root, [`/${SCRIPT_DIR}/${name}`, ...args]);
  } finally {
    // The script may have swapped the directory for a link meanwhile: only a real one is cleaned.
    try {
      ensureRealDir(root, SCRIPT_DIR);
      rmSync(join(root, SCRIPT_DIR, name), { force: true });
    } catch {
      // Left in place: the root is the script's to damage, the host is not.
    }
  }
}

async function runChange(root: string, plan: ScriptPlan, pkg: number, phase: 'pre' | 'post'): Promise<ScriptRun[]> {
  const runs: ScriptRun[] = [];
  if (pkg === REMOVAL) {
    for (const r of plan.removed) {
      const type = `${phase}-deinstall`;
      const script = plan.stored.find((s) => s.identity === r.info.identity && s.type === type);
      if (!script) continue;
      const pkgver = `${r.info.name}-${r.info.version}`;
      runs.push({
        package: pkgver,
        name: r.info.name,
        type,
        exitCode: await runOne(root, pkgver, type, script.data, [r.info.version]),
      });
    }
    return runs;
  }
  const p = plan.incoming[pkg];
  if (!p) return runs;
  const old = plan.current.get(p.info.name);
  const type = `${phase}-${old ? 'upgrade' : 'install'}`;
  const script = p.scripts.find((s) => s.type === type);
  if (!script) return runs;
  const pkgver = `${p.info.name}-${p.info.version}`;
  const args = old ? [p.info.version, old.info.version] : [p.info.version];
  runs.push({
    package: pkgver,
    name: p.info.name,
    type,
    exitCode: await runOne(root, pkgver, type, script.data, args),
  });
  return runs;
}

/**
 * Runs scriptlets around each change while the journal is carried out, as apk does: a package's
 * pre-install/pre-upgrade just before its files are renamed into place, post-* right after;
 * pre-deinstall/post-deinstall around the removals. Changes that have no file steps run at the end
 * (`finish`). A failing script is reported, not thrown (apk marks the package and goes on).
 */
export function scriptRunner(
  root: string,
  plan: ScriptPlan,
): { hook: ChangeHook; finish(): Promise<void>; runs: ScriptRun[] } {
  const runs: ScriptRun[] = [];
  const done = new Set<string>();
  const run = async (pkg: number, phase: 'pre' | 'post') => {
    const key = `${pkg}:${phase}`;
    if (done.has(key)) return;
    done.add(key);
    // A failure is the caller's to report (apk: an error for that package).
    runs.push(...(await runChange(root, plan, pkg, phase)));
  };
  return {
    hook: run,
    runs,
    async finish() {
      const all = [...plan.incoming.keys(), ...(plan.removed.length ? [REMOVAL] : [])];
      for (const pkg of all) {
        await run(pkg, 'pre');
        await run(pkg, 'post');
      }
    },
  };
}

export interface TriggerPlan {
  /** The trigger entries of the installed database after the change. */
  readonly triggers: readonly TriggerEntry[];
  /** Every package's `trigger` script by identity (new and stored). */
  readonly scripts: ReadonlyMap<string, { pkgver: string; data: Uint8Array }>;
  /** Directories (relative to the root) whose files changed. */
  readonly changedDirs: ReadonlySet<string>;
  /** Identities of packages installed or upgraded now: they see every matching directory. */
  readonly fresh: ReadonlySet<string>;
  /** Every directory the installed packages own. */
  readonly allDirs: ReadonlySet<string>;
}

/**
 * apk's commit end: each trigger runs once with the changed directories matching its globs (all
 * matching directories for a package installed or upgraded now), as `/dir` arguments.
 */
export async function runTriggers(root: string, plan: TriggerPlan): Promise<ScriptRun[]> {
  const runs: ScriptRun[] = [];
  for (const t of plan.triggers) {
    const script = plan.scripts.get(t.identity);
    if (!script) continue;
    const pool = plan.fresh.has(t.identity) ? plan.allDirs : plan.changedDirs;
    const dirs = [...pool].filter((d) => t.globs.some((g) => triggerMatches(g, d))).sort();
    if (dirs.length === 0) continue;
    const exitCode = await runOne(
      root,
      script.pkgver,
      'trigger',
      script.data,
      dirs.map((d) => `/${d}`),
    );
    runs.push({
      package: script.pkgver,
      name: script.pkgver.split('-').slice(0, -2).join('-'),
      type: 'trigger',
      exitCode,
    });
  }
  return runs;
}
