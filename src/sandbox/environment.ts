/** Where melange mounts the workspace and starts every step. */
export const GUEST_WORKSPACE = '/home/build';
/** Where melange mounts `--cache-dir`. */
export const GUEST_CACHE = '/var/cache/melange';
/** The build user melange injects (uid and gid 1000). */
export const BUILD_USER = Object.freeze({ uid: 1000, gid: 1000 });
/** melange's fixed PATH for pipeline steps (it overrides the configuration's). */
export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** The variables melange sets when the configuration leaves them empty. */
const MELANGE_DEFAULTS: ReadonlyArray<readonly [string, string]> = [
  ['HOME', GUEST_WORKSPACE],
  ['GOPATH', `${GUEST_WORKSPACE}/.cache/go`],
  ['GOMODCACHE', `${GUEST_CACHE}/gomodcache`],
  ['UV_CACHE_DIR', `${GUEST_CACHE}/uv`],
  ['PIP_CACHE_DIR', `${GUEST_CACHE}/pip`],
  ['COMPOSER_CACHE_DIR', `${GUEST_CACHE}/composer`],
  ['npm_config_cache', `${GUEST_CACHE}/npm`],
];

export interface MelangeEnvironmentOptions {
  /** Exported as SOURCE_DATE_EPOCH (seconds) when given. */
  readonly sourceDateEpoch?: number;
}

/**
 * The guest environment melange builds from `environment.environment`: the configuration's
 * variables, plus HOME, GOPATH, GOMODCACHE and the language cache directories where they are unset
 * or empty, plus SOURCE_DATE_EPOCH. Pure; keys sorted.
 */
export function melangeEnvironment(
  configured: Readonly<Record<string, string>> = {},
  options: MelangeEnvironmentOptions = {},
): Record<string, string> {
  const env: Record<string, string> = { ...configured };
  for (const [key, value] of MELANGE_DEFAULTS) if (!env[key]) env[key] = value;
  if (options.sourceDateEpoch !== undefined) env.SOURCE_DATE_EPOCH = String(Math.trunc(options.sourceDateEpoch));
  return sortedRecord(env);
}

/**
 * What a step sees: the guest's variables, then melange's PATH, then the step's own (so a step's
 * `environment` may still set PATH). Pure; keys sorted.
 */
export function stepEnvironment(
  guest: Readonly<Record<string, string>> = {},
  step: Readonly<Record<string, string>> = {},
): Record<string, string> {
  return sortedRecord({ ...guest, PATH: DEFAULT_PATH, ...step });
}

/** `'it'\''s'`: a POSIX shell single-quoted word. */
export function shellQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/**
 * The `/bin/sh -c` script melange runs for a `runs` fragment: `set -e` (`-ex` when tracing), create
 * and enter the working directory, the fragment, then `exit 0`.
 */
export function runsScript(fragment: string, cwd: string = GUEST_WORKSPACE, trace = false): string {
  const dir = shellQuote(cwd);
  return `set -e${trace ? 'x' : ''}\n[ -d ${dir} ] || mkdir -p ${dir}\ncd ${dir}\n${fragment}\nexit 0`;
}

function sortedRecord(env: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(env).sort()) out[key] = env[key] as string;
  return out;
}
