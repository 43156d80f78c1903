/** The files melange adds to a build guest: accounts and `/etc/apk/*` (pure). */
import type { GuestFile } from '../../sandbox/index.js';
import type { GuestEnvironment } from '../config/types.js';
import type { BuildKey } from './keys.js';

function mergeLines(existing: string, add: readonly string[]): string {
  const lines = existing.split('\n').filter((l) => l !== '');
  const names = new Set(lines.map((l) => l.split(':')[0]));
  for (const l of add) if (!names.has(l.split(':')[0])) lines.push(l);
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

export interface GuestFilesInput {
  readonly arch: string;
  readonly environment: GuestEnvironment;
  /** `/etc/passwd` and `/etc/group` as the packages ship them ('' when they do not). */
  readonly passwd: string;
  readonly group: string;
  /** `name=version` of every installed package. */
  readonly world: readonly string[];
  readonly repositories: readonly string[];
  readonly keys: readonly BuildKey[];
}

/**
 * `/etc/passwd` and `/etc/group` with the environment's accounts (the build user, uid 1000, unless
 * the packages already define it), `/etc/apk/{arch,world,repositories}` and `/etc/apk/keys/*`.
 */
export function guestFiles(i: GuestFilesInput): GuestFile[] {
  const users = i.environment.accounts.users.map(
    (u) =>
      `${u.username}:x:${u.uid}:${u.gid}:Account created by lupine:${u.homedir ?? `/home/${u.username}`}:${u.shell || '/bin/sh'}`,
  );
  const groups = i.environment.accounts.groups.map((g) => `${g.groupname}:x:${g.gid}:${g.members.join(',')}`);
  const hasRoot = (text: string) => text.split('\n').some((l) => l.startsWith('root:'));
  const passwd = mergeLines(hasRoot(i.passwd) ? i.passwd : `root:x:0:0:root:/root:/bin/sh\n${i.passwd}`, users);
  const group = mergeLines(hasRoot(i.group) ? i.group : `root:x:0:root\n${i.group}`, groups);
  const files: GuestFile[] = [
    { path: 'etc/passwd', data: passwd, mode: 0o644 },
    { path: 'etc/group', data: group, mode: 0o644 },
    { path: 'etc/apk/arch', data: `${i.arch}\n`, mode: 0o644 },
    { path: 'etc/apk/world', data: i.world.map((w) => `${w}\n`).join(''), mode: 0o644 },
    { path: 'etc/apk/repositories', data: i.repositories.map((r) => `${r}\n`).join(''), mode: 0o644 },
  ];
  for (const k of i.keys) files.push({ path: `etc/apk/keys/${k.name}`, data: k.pem, mode: 0o644 });
  return files;
}
