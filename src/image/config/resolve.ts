/**
 * apko's defaults, applied once to a (merged) config: environment PATH and SSL_CERT_FILE,
 * user gid/shell/homedir, run-as name → UID, path ownership and modes, and archs as apk names.
 */
import { normalizeArchs } from './arch.js';
import type { ImageConfig, PathMutation, ResolvedImageConfig, ResolvedPathMutation } from './types.js';

/** Exactly the values apko sets when the config leaves them unset. */
export const DEFAULT_ENVIRONMENT: Readonly<Record<string, string>> = {
  PATH: '/usr/local/sbin:/usr/local/bin:/usr/bin:/usr/sbin:/sbin:/bin',
  SSL_CERT_FILE: '/etc/ssl/certs/ca-certificates.crt',
};

export const DEFAULT_SHELL = '/bin/sh';

/**
 * Default modes where apko would chmod to 0 (its `permissions` default): directories 0o755,
 * empty files 0o644. A hardlink or a `permissions` entry without a mode keeps the existing mode;
 * a symlink never has one (it is always 0o777 and never changes its target).
 */
export function resolvePathMutation(p: PathMutation): ResolvedPathMutation {
  let permissions: number | null;
  switch (p.type) {
    case 'directory':
      permissions = p.permissions ?? 0o755;
      break;
    case 'empty-file':
      permissions = p.permissions ?? 0o644;
      break;
    case 'symlink':
      permissions = null;
      break;
    default:
      permissions = p.permissions ?? null;
  }
  const owner = p.uid === undefined && p.gid === undefined ? null : { uid: p.uid ?? 0, gid: p.gid ?? 0 };
  return {
    path: p.path,
    type: p.type,
    owner,
    permissions,
    source: p.source ?? null,
    recursive: p.recursive,
  };
}

export function resolveImageConfig(config: ImageConfig): ResolvedImageConfig {
  const { include: _include, ...rest } = config;
  const environment: Record<string, string> = { ...config.environment };
  for (const [k, v] of Object.entries(DEFAULT_ENVIRONMENT)) if (!(k in environment)) environment[k] = v;
  const users = config.accounts.users.map((u) => ({
    username: u.username,
    uid: u.uid,
    gid: u.gid ?? u.uid,
    shell: u.shell ?? DEFAULT_SHELL,
    homedir: u.homedir ?? `/home/${u.username}`,
  }));
  const runAsName = config.accounts.runAs;
  const match = runAsName === undefined ? undefined : users.find((u) => u.username === runAsName);
  const runAs = match ? String(match.uid) : runAsName;
  return {
    ...rest,
    archs: normalizeArchs(config.archs),
    environment: Object.fromEntries(Object.entries(environment).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
    accounts: { ...(runAs === undefined ? {} : { runAs }), users, groups: config.accounts.groups },
    paths: config.paths.map(resolvePathMutation),
  };
}
