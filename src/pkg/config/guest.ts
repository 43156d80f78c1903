/** The build and test guests melange derives from `environment` blocks (pure). */
import { isObj, isStr, list, obj, strMap } from '../../core/index.js';
import type { GuestEnvironment, RawMap } from './types.js';

/** Set when the recipe leaves them unset (melange's defaults; caches live under /var/cache/melange). */
export const DEFAULT_BUILD_ENV: Readonly<Record<string, string>> = {
  HOME: '/home/build',
  GOPATH: '/home/build/.cache/go',
  GOMODCACHE: '/var/cache/melange/gomodcache',
  UV_CACHE_DIR: '/var/cache/melange/uv-cache',
  PIP_CACHE_DIR: '/var/cache/melange/pip-cache',
  COMPOSER_CACHE_DIR: '/var/cache/melange/composer-cache',
  npm_config_cache: '/var/cache/melange/npm-cache',
};

export const BUILD_USER = { username: 'build', uid: 1000, gid: 1000 } as const;

export interface GuestOptions {
  /** Packages to add (needs, the package under test), after the environment's own. */
  readonly addPackages?: readonly string[];
  /** --env-file values: under the YAML environment. */
  readonly envFile?: Readonly<Record<string, string>>;
  /** Whether to add melange's build user, group and default variables. */
  readonly buildDefaults: boolean;
}

const uniq = (xs: readonly string[]) => [...new Set(xs)];

export function guestEnvironment(raw: unknown, options: GuestOptions): GuestEnvironment {
  const env = obj(raw) as RawMap;
  const contents = obj(env.contents);
  const accounts = obj(env.accounts);
  const users = list(accounts.users)
    .filter(isObj)
    .map((u) => ({
      username: isStr(u.username) ? u.username : '',
      uid: typeof u.uid === 'number' ? u.uid : 0,
      gid: typeof u.gid === 'number' ? u.gid : typeof u.uid === 'number' ? u.uid : 0,
      ...(isStr(u.shell) ? { shell: u.shell } : {}),
      ...(isStr(u.homedir) ? { homedir: u.homedir } : {}),
    }));
  const groups = list(accounts.groups)
    .filter(isObj)
    .map((g) => ({
      groupname: isStr(g.groupname) ? g.groupname : '',
      gid: typeof g.gid === 'number' ? g.gid : 0,
      members: list(g.members).filter(isStr),
    }));
  const variables: Record<string, string> = { ...(options.envFile ?? {}), ...strMap(env.environment) };
  if (options.buildDefaults) {
    if (!groups.some((g) => g.groupname === 'build')) {
      groups.push({ groupname: 'build', gid: BUILD_USER.gid, members: ['build'] });
    }
    if (!users.some((u) => u.username === 'build')) users.push({ ...BUILD_USER });
    for (const [k, v] of Object.entries(DEFAULT_BUILD_ENV)) if (variables[k] === undefined) variables[k] = v;
  }
  const sorted: Record<string, string> = {};
  for (const k of Object.keys(variables).sort()) sorted[k] = variables[k] as string;
  return {
    repositories: list(contents.repositories).filter(isStr),
    keyring: list(contents.keyring).filter(isStr),
    packages: uniq([...list(contents.packages).filter(isStr), ...(options.addPackages ?? [])]),
    environment: sorted,
    accounts: { ...(isStr(accounts['run-as']) ? { runAs: accounts['run-as'] } : {}), users, groups },
    raw: env,
  };
}
