import { LupineError } from '../core/index.js';
import { BUILD_USER, GUEST_CACHE, GUEST_WORKSPACE, runsScript, stepEnvironment } from './environment.js';
import type { GuestSpec, GuestUser, Step } from './runner.js';

/** Facts about the host the argument builders need (gathered at start, so the builders stay pure). */
export interface HostFacts {
  /** The host's resolv.conf (symlinks resolved), bound read-only into a networked guest. */
  readonly resolvConf?: string;
}

/** One entry of the host's `/`, as the host runner rebuilds it. */
export type HostTopEntry =
  | { readonly name: string; readonly kind: 'dir' | 'file' }
  | { readonly name: string; readonly kind: 'symlink'; readonly target: string };

/** The host runner's view: the host's `/` read-only, the workspace and cache writable. */
export interface HostLayout {
  readonly top: readonly HostTopEntry[];
  readonly workspace: string;
  /** Bound at /var/cache/melange; only when the host has that directory to mount on. */
  readonly cacheDir?: string;
  readonly env?: Readonly<Record<string, string>>;
  readonly network?: boolean;
  readonly user?: GuestUser;
  /**
   * Host paths hidden behind empty mounts (a directory under an empty tmpfs, a file under
   * /dev/null): the build user is the caller (often root) outside its namespace, so root-only host
   * files would otherwise be readable.
   */
  readonly hidden?: ReadonlyArray<{ readonly path: string; readonly kind: 'dir' | 'file' }>;
}

/**
 * Host paths the host runner always hides (when present): root's home, service state, the
 * password hashes, host keys.
 */
export const HOST_SECRET_PATHS: readonly string[] = [
  '/root',
  '/var/lib',
  '/etc/shadow',
  '/etc/shadow-',
  '/etc/gshadow',
  '/etc/gshadow-',
  '/etc/ssh',
  '/etc/ssl/private',
];

/**
 * Host paths shown again inside a hidden directory: the package database that stage-0 imports read
 * (`dpkg -L`, `dpkg-query`), which holds no secrets.
 */
export const HOST_SHOWN_UNDER_HIDDEN: readonly string[] = ['/var/lib/dpkg'];

/** Top-level host paths the host runner replaces with its own mounts. */
export const HOST_HIDDEN = new Set(['dev', 'home', 'proc', 'run', 'sys', 'tmp']);

function bad(message: string, details: Record<string, unknown>): LupineError {
  return new LupineError('SANDBOX_BAD_GUEST', message, { details });
}

function checkGuestPath(path: string, what: string): void {
  if (!path.startsWith('/') || path.includes('\0') || path.split('/').includes('..')) {
    throw bad(`${what} '${path}' must be an absolute guest path without '..'`, { path });
  }
}

/** The capabilities a root guest keeps, as in Docker's default profile (no CAP_SYS_ADMIN). */
export const DEFAULT_ROOT_CAPS: readonly string[] = [
  'CAP_AUDIT_WRITE',
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FOWNER',
  'CAP_FSETID',
  'CAP_KILL',
  'CAP_MKNOD',
  'CAP_NET_BIND_SERVICE',
  'CAP_NET_RAW',
  'CAP_SETFCAP',
  'CAP_SETGID',
  'CAP_SETPCAP',
  'CAP_SETUID',
  'CAP_SYS_CHROOT',
];

/**
 * Capability arguments. A non-root user has none unless added. bubblewrap would leave a root guest
 * every capability in its user namespace, enough to remount the read-only root writable (and write
 * through hardlinks into the package cache): it gets Docker's default set instead, ± `caps`.
 */
function capabilityArgs(user: GuestUser, caps: GuestSpec['capabilities']): string[] {
  const norm = (c: string) => (c.toUpperCase().startsWith('CAP_') ? c.toUpperCase() : `CAP_${c.toUpperCase()}`);
  if (user.uid !== 0) {
    return [
      ...(caps?.add ?? []).flatMap((c) => ['--cap-add', norm(c)]),
      ...(caps?.drop ?? []).flatMap((c) => ['--cap-drop', norm(c)]),
    ];
  }
  const keep = new Set(DEFAULT_ROOT_CAPS);
  for (const c of caps?.drop ?? []) {
    if (norm(c) === 'CAP_ALL') keep.clear();
    else keep.delete(norm(c));
  }
  for (const c of caps?.add ?? []) keep.add(norm(c));
  return ['--cap-drop', 'ALL', ...[...keep].sort().flatMap((c) => ['--cap-add', c])];
}

/** Namespaces, user, capabilities, lifetime: shared by both runners. */
function namespaceArgs(network: boolean, user: GuestUser, caps: GuestSpec['capabilities']): string[] {
  const args = ['--unshare-all'];
  if (network) args.push('--share-net');
  args.push('--unshare-user', '--uid', String(user.uid), '--gid', String(user.gid));
  args.push('--die-with-parent', '--new-session');
  args.push(...capabilityArgs(user, caps));
  return args;
}

/** Working directory, environment and the command: shared by both runners. */
function commandArgs(guestEnv: Readonly<Record<string, string>> | undefined, step: Step): string[] {
  const hasArgv = step.argv !== undefined;
  const hasScript = step.script !== undefined;
  if (hasArgv === hasScript) {
    throw new LupineError('USAGE', 'a step has either argv or a script', { details: { hasArgv, hasScript } });
  }
  if (hasArgv && (step.argv as readonly string[]).length === 0) {
    throw new LupineError('USAGE', 'a step argv is empty', {});
  }
  const cwd = step.cwd ?? GUEST_WORKSPACE;
  checkGuestPath(cwd, 'the working directory');
  const args = ['--chdir', hasScript ? GUEST_WORKSPACE : cwd, '--clearenv'];
  for (const [key, value] of Object.entries(stepEnvironment(guestEnv, step.env))) {
    if (key === '' || key.includes('=') || key.includes('\0') || value.includes('\0')) {
      throw bad(`invalid environment variable '${key}'`, { key });
    }
    args.push('--setenv', key, value);
  }
  args.push('--');
  if (hasScript) args.push('/bin/sh', '-c', runsScript(step.script as string, cwd, step.trace ?? false));
  else args.push(...(step.argv as readonly string[]));
  return args;
}

/**
 * bubblewrap's arguments for one step in a guest, as melange lays it out: the guest root as `/`
 * (read-only once the other mounts are in place), the workspace at /home/build, the cache at
 * /var/cache/melange, the host's resolv.conf when networked, a tmpfs /tmp, fresh /dev and /proc,
 * a read-only /sys; every namespace new (the network shared unless cut), the build user, a cleared
 * environment. Pure.
 */
export function guestArgs(guest: GuestSpec, step: Step, host: HostFacts = {}): string[] {
  const network = guest.network ?? true;
  const args = namespaceArgs(network, guest.user ?? BUILD_USER, guest.capabilities);
  args.push('--bind', guest.root, '/', '--bind', guest.workspace, GUEST_WORKSPACE);
  if (guest.cacheDir !== undefined) args.push('--bind', guest.cacheDir, GUEST_CACHE);
  if (network && host.resolvConf !== undefined) args.push('--ro-bind-try', host.resolvConf, '/etc/resolv.conf');
  args.push('--tmpfs', '/tmp', '--dev', '/dev', '--proc', '/proc', '--ro-bind', '/sys', '/sys');
  for (const m of guest.mounts ?? []) {
    checkGuestPath(m.target, 'a mount target');
    args.push(m.readOnly ? '--ro-bind' : '--bind', m.source, m.target);
  }
  args.push('--remount-ro', '/');
  args.push(...commandArgs(guest.env, step));
  return args;
}

/**
 * bubblewrap's arguments for the host runner: each top-level entry of the host's `/` bound
 * read-only (symlinks recreated), except /dev, /proc, /sys, /tmp, /run and /home, which get fresh
 * or empty mounts; the workspace writable at /home/build. Still the host's tools and libraries:
 * unhermetic. Pure.
 */
export function hostArgs(layout: HostLayout, step: Step, host: HostFacts = {}): string[] {
  const network = layout.network ?? true;
  const args = namespaceArgs(network, layout.user ?? BUILD_USER, undefined);
  for (const e of layout.top) {
    if (HOST_HIDDEN.has(e.name)) continue;
    if (e.kind === 'symlink') args.push('--symlink', e.target, `/${e.name}`);
    else args.push('--ro-bind', `/${e.name}`, `/${e.name}`);
  }
  args.push('--dev', '/dev', '--proc', '/proc', '--ro-bind', '/sys', '/sys', '--tmpfs', '/tmp', '--tmpfs', '/run');
  if (network && host.resolvConf?.startsWith('/run/')) args.push('--ro-bind-try', host.resolvConf, host.resolvConf);
  for (const h of layout.hidden ?? []) {
    checkGuestPath(h.path, 'a hidden host path');
    if (h.kind === 'dir') {
      args.push('--tmpfs', h.path);
      for (const shown of HOST_SHOWN_UNDER_HIDDEN) {
        if (shown.startsWith(`${h.path}/`)) args.push('--ro-bind-try', shown, shown);
      }
      args.push('--remount-ro', h.path);
    } else args.push('--ro-bind', '/dev/null', h.path);
  }
  args.push('--bind', layout.workspace, GUEST_WORKSPACE);
  if (layout.cacheDir !== undefined) args.push('--bind', layout.cacheDir, GUEST_CACHE);
  args.push('--remount-ro', '/');
  args.push(...commandArgs(layout.env, step));
  return args;
}
