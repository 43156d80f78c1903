/** The user an image runs as: its config `User` resolved through etc/passwd (pure). */
import type { ImageUser } from './facts.js';

interface PasswdEntry {
  readonly name: string;
  readonly uid: string;
}

/** `name:x:uid:gid:…` lines; malformed lines are skipped. */
export function parsePasswd(text: string): PasswdEntry[] {
  const out: PasswdEntry[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length < 3 || f[0] === '' || !/^\d+$/.test(f[2] ?? '')) continue;
    out.push({ name: f[0] as string, uid: f[2] as string });
  }
  return out;
}

/**
 * `User` is `name`, `uid`, `name:group` or `uid:gid`; empty means root. The name comes from etc/passwd
 * when the config gives a number, the uid when it gives a name.
 */
export function resolveUser(configured: string, passwd: string | undefined): ImageUser {
  const user = configured.trim().split(':')[0] ?? '';
  const entries = parsePasswd(passwd ?? '');
  if (user === '') return { configured, name: 'root', uid: '0', root: true };
  if (/^\d+$/.test(user)) {
    const uid = String(Number(user));
    const name = entries.find((e) => e.uid === uid)?.name ?? '';
    return { configured, name, uid, root: uid === '0' };
  }
  const uid = entries.find((e) => e.name === user)?.uid ?? '';
  return { configured, name: user, uid, root: uid === '0' || (uid === '' && user === 'root') };
}
