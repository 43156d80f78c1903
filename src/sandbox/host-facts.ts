import { constants } from 'node:fs';
import { access, lstat, mkdir, readdir, readlink, realpath, stat } from 'node:fs/promises';
import { LupineError } from '../core/index.js';
import type { HostFacts, HostTopEntry } from './bwrap-args.js';

const BWRAP_CANDIDATES = ['/usr/bin/bwrap', '/usr/local/bin/bwrap', '/bin/bwrap'];

/** The bwrap executable: the one given, else the first of the usual places. */
export async function findBwrap(explicit?: string): Promise<string> {
  for (const candidate of explicit !== undefined ? [explicit] : BWRAP_CANDIDATES) {
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // try the next
    }
  }
  throw new LupineError('SANDBOX_UNAVAILABLE', `bubblewrap not found (${explicit ?? BWRAP_CANDIDATES.join(', ')})`, {
    details: { candidates: explicit !== undefined ? [explicit] : BWRAP_CANDIDATES },
    hint: 'install bubblewrap (the bwrap command), version 0.8 or later',
  });
}

/** What the argument builders need to know about the host. */
export async function readHostFacts(): Promise<HostFacts> {
  try {
    return { resolvConf: await realpath('/etc/resolv.conf') };
  } catch {
    return {};
  }
}

/** The host's `/`, sorted: directories and files are bound read-only, symlinks recreated. */
export async function readHostTop(): Promise<HostTopEntry[]> {
  const out: HostTopEntry[] = [];
  for (const d of (await readdir('/', { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (d.isSymbolicLink()) out.push({ name: d.name, kind: 'symlink', target: await readlink(`/${d.name}`) });
    else if (d.isDirectory()) out.push({ name: d.name, kind: 'dir' });
    else if (d.isFile()) out.push({ name: d.name, kind: 'file' });
  }
  return out;
}

/** The real path of a host directory that must exist (created when `create`), or SANDBOX_BAD_GUEST. */
export async function hostDir(path: string, what: string, create = false): Promise<string> {
  if (create) await mkdir(path, { recursive: true });
  try {
    const real = await realpath(path);
    if ((await stat(real)).isDirectory()) return real;
  } catch {
    // reported below
  }
  throw new LupineError('SANDBOX_BAD_GUEST', `the ${what} ${path} is not a directory`, { details: { path, what } });
}

/** Whether the guest root has a `/bin/sh` entry (a file or a symlink: it is not followed on the host). */
export async function guestHasShell(root: string): Promise<boolean> {
  try {
    await lstat(`${root}/bin/sh`);
    return true;
  } catch {
    return false;
  }
}
