/**
 * `accounts` (spec §1): the config's groups and users merged into what baselayout packages ship in
 * /etc/group, /etc/passwd and /etc/shadow. Pure text in, text out. As apko does, an entry whose id
 * is already present is left alone, new entries are appended in config order, and every configured
 * user gets a locked shadow entry (`name:!:::::::`).
 */
import type { Group, ResolvedUser } from '../config/types.js';

export interface AccountFiles {
  /** undefined: the file does not exist (and need not be written). */
  readonly passwd: string | undefined;
  readonly group: string | undefined;
  readonly shadow: string | undefined;
}

export interface AccountsInput {
  readonly users: readonly ResolvedUser[];
  readonly groups: readonly Group[];
}

interface Entry {
  readonly name: string;
  readonly id: number;
}

/** `name:x:id:…` lines (comments and malformed lines are skipped). */
export function parseIdFile(text: string | undefined): Entry[] {
  const out: Entry[] = [];
  for (const line of (text ?? '').split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const f = line.split(':');
    const id = Number(f[2]);
    if (f[0] && Number.isInteger(id)) out.push({ name: f[0], id });
  }
  return out;
}

function append(text: string | undefined, lines: readonly string[]): string {
  const base = text ?? '';
  if (lines.length === 0) return base;
  const sep = base === '' || base.endsWith('\n') ? '' : '\n';
  return `${base}${sep}${lines.map((l) => `${l}\n`).join('')}`;
}

/**
 * The account files after applying `accounts`. passwd always exists afterwards (apko creates an empty
 * one); group and shadow only when they existed or something is added to them.
 */
export function mergeAccounts(files: AccountFiles, accounts: AccountsInput): AccountFiles {
  const groups = parseIdFile(files.group);
  const groupLines: string[] = [];
  for (const g of accounts.groups) {
    if (groups.some((e) => e.id === g.gid || e.name === g.groupname)) continue;
    groups.push({ name: g.groupname, id: g.gid });
    groupLines.push(`${g.groupname}:x:${g.gid}:${g.members.join(',')}`);
  }
  const users = parseIdFile(files.passwd);
  const userLines: string[] = [];
  for (const u of accounts.users) {
    if (users.some((e) => e.id === u.uid || e.name === u.username)) continue;
    users.push({ name: u.username, id: u.uid });
    userLines.push(`${u.username}:x:${u.uid}:${u.gid}:Account created by apko:${u.homedir}:${u.shell}`);
  }
  const shadowNames = new Set(parseShadowNames(files.shadow));
  const shadowLines = accounts.users.filter((u) => !shadowNames.has(u.username)).map((u) => `${u.username}:!:::::::`);
  return {
    passwd: append(files.passwd, userLines),
    group: files.group === undefined && groupLines.length === 0 ? undefined : append(files.group, groupLines),
    shadow: files.shadow === undefined && shadowLines.length === 0 ? undefined : append(files.shadow, shadowLines),
  };
}

function parseShadowNames(text: string | undefined): string[] {
  return (text ?? '')
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => l.split(':')[0] ?? '');
}

/** The uids and gids an image knows by name (its passwd and group), plus root. */
export function knownIds(files: AccountFiles): { uids: Set<number>; gids: Set<number> } {
  return {
    uids: new Set([0, ...parseIdFile(files.passwd).map((e) => e.id)]),
    gids: new Set([0, ...parseIdFile(files.group).map((e) => e.id)]),
  };
}
