/**
 * apk-tools 2.14 command line: global, commit and applet options may appear anywhere on the line
 * (getopt with permutation); the applet is the first bare word naming one.
 */
import { LupineError } from '../../../core/index.js';

export interface OptionDef {
  readonly long: string;
  /** Its short letters: usually one; apk's APK_OPT_S2 gives some options two (`search -e`/`-x`). */
  readonly short?: string;
  /** The value's name in `--help` ('ROOT'); an option without one takes no value. */
  readonly arg?: string;
  /** What it does, one line of `--help` (wrapped there). */
  readonly help: string;
}

/** Marks what lupine parses for compatibility but does not act on. */
const NO_EFFECT = ' (accepted, no effect)';

/**
 * One option from its `--help` names, as apk's manual writes them: `-p, --root ROOT` is short `p`,
 * long `root`, taking a value shown as ROOT; `-e, -x, --exact` has two short letters.
 */
function opt(names: string, help: string): OptionDef {
  const m = /^((?:-[A-Za-z], )*)--([a-z][a-z0-9-]*)(?: (\S+))?$/.exec(names);
  if (!m) throw new Error(`apk option names '${names}' are not '-s, --long ARG'`);
  const short = (m[1] as string).replace(/[-, ]/g, '');
  return { long: m[2] as string, ...(short ? { short } : {}), ...(m[3] ? { arg: m[3] } : {}), help };
}

/** The options of apk's test build: state from files instead of a root; they imply --simulate. */
export const TEST_OPTIONS: readonly OptionDef[] = [
  opt(
    '--test-repo [!][TAG:]FILE',
    'A repository whose index is the APKINDEX text in FILE (! marks it as reachable from the cache only)',
  ),
  opt('--test-instdb FILE', 'The installed database before the command'),
  opt('--test-world DEPS', 'The world before the command, one line of dependencies'),
];

/** Options for every applet, the test build's among them. */
export const GLOBAL_OPTIONS: readonly OptionDef[] = [
  opt('-h, --help', 'Print the list of applets, or with an applet its usage and options'),
  opt('-p, --root ROOT', 'Manage the file system at ROOT (default /)'),
  opt(
    '-X, --repository REPO',
    'Use an additional repository: a URL, a repository folder or a local APKINDEX.tar.gz; relative to the startup directory',
  ),
  opt('-q, --quiet', 'Print less information'),
  opt('-v, --verbose', 'Print more information (can be given twice)'),
  opt('-V, --version', 'Print the program version and exit'),
  opt('-f, --force', 'Turn on --force-broken-world and --force-overwrite'),
  opt('--force-binary-stdout', `Continue even if binary data would go to the terminal${NO_EFFECT}`),
  opt('--force-broken-world', 'Drop world constraints until a solution without conflicts is found'),
  opt('--force-missing-repositories', `Continue even if some repository indexes are missing${NO_EFFECT}`),
  opt('--force-non-repository', `Continue even if packages may be lost on reboot${NO_EFFECT}`),
  opt('--force-old-apk', `Continue even if packages use unsupported features${NO_EFFECT}`),
  opt('--force-overwrite', 'Overwrite files owned by other packages'),
  opt('--force-refresh', 'Do not use cached indexes: fetch them again'),
  opt('-i, --interactive', `Ask for confirmation before changing the root${NO_EFFECT}`),
  opt('--no-interactive', `Do not ask for confirmation${NO_EFFECT}`),
  opt('--progress', 'Show a progress bar'),
  opt('--no-progress', 'Show no progress bar'),
  opt('--progress-fd FD', `Write progress to file descriptor FD${NO_EFFECT}`),
  opt('--purge', 'Delete modified configuration files on removal, and unneeded packages on cache clean'),
  opt('--allow-untrusted', 'Accept unsigned indexes and packages, or ones signed by an untrusted key'),
  opt('--wait TIME', 'Wait up to TIME seconds for the root lock before failing'),
  opt('--keys-dir KEYSDIR', 'Trusted keys, relative to ROOT (default ROOT/etc/apk/keys)'),
  opt('--repositories-file REPOFILE', 'Read repositories from REPOFILE instead of ROOT/etc/apk/repositories'),
  opt('-U, --update-cache', 'Fetch every repository index again (like --force-refresh)'),
  opt('--no-network', 'Do not use the network: remote repositories come from the cache only'),
  opt('--no-cache', 'Do not use any local cache'),
  opt(
    '--cache-dir CACHEDIR',
    'The package and index cache, relative to ROOT (default ROOT/etc/apk/cache if present, else ~/.cache/lupine)',
  ),
  opt('--cache-max-age AGE', `Refresh cached indexes older than AGE minutes${NO_EFFECT}`),
  opt('--arch ARCH', 'Use ARCH as the machine architecture'),
  opt('--print-arch', 'Print the architecture of ROOT and exit'),
  opt('--timeout TIME', `Give up on network connections idle for TIME seconds${NO_EFFECT}`),
  ...TEST_OPTIONS,
];
/** Options for the applets that change the installed set (COMMIT_APPLETS). */
export const COMMIT_OPTIONS: readonly OptionDef[] = [
  opt('-s, --simulate', 'Show what would be done without changing anything'),
  opt('--clean-protected', 'Do not create .apk-new files in protected configuration folders'),
  opt('--overlay-from-stdin', `Read the list of overlay files from stdin${NO_EFFECT}`),
  opt('--no-scripts', 'Do not run any package scripts (the default; they are stored)'),
  opt('--scripts', 'Run package scripts in a bubblewrap chroot of ROOT'),
  opt('--no-commit-hooks', `Skip the pre- and post-commit hook scripts${NO_EFFECT}`),
  opt('--initramfs-diskless-boot', `Used by initramfs to recreate a tmpfs root${NO_EFFECT}`),
];

export const APPLET_OPTIONS: Readonly<Record<string, readonly OptionDef[]>> = {
  add: [
    opt('--initdb', "Create a new package database and the root's skeleton"),
    opt('-l, --latest', 'Always choose the latest version a repository has (pinning still applies)'),
    opt('-u, --upgrade', 'Upgrade the given packages and their dependencies'),
    opt('-t, --virtual NAME', 'Make a virtual package NAME that depends on the given packages, and add it'),
    opt('--no-chown', `Do not change the owner or group of files${NO_EFFECT}`),
  ],
  del: [opt('-r, --rdepends', 'Also remove the world entries that depend on the given packages')],
  upgrade: [
    opt('-a, --available', 'Reset every package to a version its repositories have (downgrading if needed)'),
    opt('-l, --latest', 'Always choose the latest version a repository has (pinning still applies)'),
    opt('--no-self-upgrade', 'Do not upgrade apk-tools first'),
    opt('--self-upgrade-only', 'Only upgrade apk-tools'),
    opt('--ignore', 'Upgrade every package but the ones given'),
    opt('--prune', 'Remove world entries that no repository provides any more'),
  ],
  fix: [
    opt('-d, --depends', 'Fix the dependencies of the given packages too'),
    opt('-r, --reinstall', 'Reinstall the packages (the default)'),
    opt('-u, --upgrade', 'Upgrade the packages while fixing them'),
    opt('-x, --xattr', `Fix packages whose extended attributes are broken${NO_EFFECT}`),
    opt('--directory-permissions', `Reset the permissions of every folder${NO_EFFECT}`),
  ],
  version: [
    opt('-I, --indexes', 'Print the description of each repository index'),
    opt('-t, --test', 'Compare two version strings: print <, = or >'),
    opt('-c, --check', 'Check that each argument is a valid version string'),
    opt('-a, --all', 'Consider packages of every repository tag'),
    opt('-l, --limit OPERAND', 'Only list packages whose comparison is one of OPERAND (<, =, >)'),
  ],
  policy: [],
  verify: [],
  cache: [
    opt('-l, --latest', 'Always choose the latest version a repository has'),
    opt('-u, --upgrade', 'Also download the upgrades of installed packages'),
    opt('-s, --simulate', 'Show what would be done without changing the cache'),
  ],
  dot: [opt('--errors', 'Only the packages that have errors'), opt('--installed', 'Only installed packages')],
  info: [
    opt('-e, --installed', 'Print the names of the given packages that are installed'),
    opt('-W, --who-owns', 'Print the package that owns each given file'),
    opt('-R, --depends', 'List the dependencies of the package'),
    opt('-P, --provides', 'List what the package provides'),
    opt('-r, --rdepends', 'List the packages that depend on the package'),
    opt('--replaces', 'List the packages whose files the package may overwrite'),
    opt('-i, --install-if', "List the package's install_if rule"),
    opt('-I, --rinstall-if', 'List the packages whose install_if names the package'),
    opt('-w, --webpage', "Print the package's web page"),
    opt('-s, --size', "Print the package's installed size"),
    opt('-d, --description', "Print the package's description"),
    opt('--license', "Print the package's license"),
    opt('-t, --triggers', "Print the package's triggers"),
    opt('-a, --all', 'Print all of the above'),
    opt('-L, --contents', 'List the files the package installed'),
  ],
  search: [
    opt('-a, --all', 'Show every version of a package, not only the latest'),
    opt('-d, --description', 'Search package descriptions too (implies -a)'),
    opt('-e, -x, --exact', 'Match package names exactly'),
    opt('-o, --origin', 'Print the origin (base package) name'),
    opt('-r, --rdepends', 'Print the packages that depend on each match'),
    opt('--has-origin', 'Match by origin and print the package name'),
  ],
  list: [
    opt('-I, --installed', 'Only installed packages'),
    opt('-O, --orphaned', 'Only orphaned packages (installed, in no repository)'),
    opt('-a, --available', 'Every available version, not only the latest'),
    opt('-u, --upgradable', 'Only packages that have an upgrade'),
    opt('--upgradeable', 'The same as --upgradable'),
    opt('-o, --origin', 'Match the patterns against the origin'),
    opt('-d, --depends', 'Match the patterns against dependencies'),
    opt('-P, --providers', 'Match the patterns against what packages provide'),
  ],
};

/** Applets that change the installed set and take commit options. */
export const COMMIT_APPLETS = new Set(['add', 'del', 'upgrade', 'fix']);

export interface ApkArgs {
  readonly applet: string | undefined;
  /** Option values by long name, in order given (booleans as ''). */
  readonly options: ReadonlyMap<string, string[]>;
  readonly args: readonly string[];
}

function usage(msg: string): LupineError {
  return new LupineError('USAGE', `apk: ${msg}`, { hint: "see 'lupine apk --help'" });
}

/** Finds the applet: the first bare word that names one, skipping values of global options. */
export function findApplet(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--') return undefined;
    if (a.startsWith('--')) {
      const def = GLOBAL_OPTIONS.find((d) => d.long === a.slice(2));
      if (def?.arg) i++;
      continue;
    }
    if (a.startsWith('-') && a.length > 1) {
      const def = GLOBAL_OPTIONS.find((d) => d.short?.includes(a[1] as string));
      if (def?.arg && a.length === 2) i++;
      continue;
    }
    if (a in APPLET_OPTIONS) return a;
  }
  return undefined;
}

export function parseApkArgs(argv: readonly string[]): ApkArgs {
  const applet = findApplet(argv);
  const defs = [
    ...GLOBAL_OPTIONS,
    ...(applet && COMMIT_APPLETS.has(applet) ? COMMIT_OPTIONS : []),
    ...(applet ? (APPLET_OPTIONS[applet] ?? []) : []),
  ];
  // On a clash the first definition wins (global before applet), as in apk's getopt string.
  const byLong = new Map<string, OptionDef>();
  const byShort = new Map<string, OptionDef>();
  for (const d of [...defs].reverse()) {
    byLong.set(d.long, d);
    for (const c of d.short ?? '') byShort.set(c, d);
  }
  const options = new Map<string, string[]>();
  const set = (d: OptionDef, v: string) => options.set(d.long, [...(options.get(d.long) ?? []), v]);
  const args: string[] = [];
  let appletSeen = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--') {
      args.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq >= 0 ? a.slice(2, eq) : a.slice(2);
      const d = byLong.get(name) ?? (name.startsWith('force-') ? { long: name, help: '' } : undefined);
      if (!d) throw usage(`unrecognized option '${a}'`);
      if (d.arg) {
        const v = eq >= 0 ? a.slice(eq + 1) : argv[++i];
        if (v === undefined) throw usage(`option '--${name}' requires an argument`);
        set(d, v);
      } else {
        if (eq >= 0) throw usage(`option '--${name}' doesn't allow an argument`);
        set(d, '');
      }
      continue;
    }
    if (a.startsWith('-') && a.length > 1) {
      for (let j = 1; j < a.length; j++) {
        const d = byShort.get(a[j] as string);
        if (!d) throw usage(`invalid option -- '${a[j]}'`);
        if (d.arg) {
          const v = j + 1 < a.length ? a.slice(j + 1) : argv[++i];
          if (v === undefined) throw usage(`option requires an argument -- '${a[j]}'`);
          set(d, v);
          break;
        }
        set(d, '');
      }
      continue;
    }
    if (!appletSeen && a === applet) {
      appletSeen = true;
      continue;
    }
    args.push(a);
  }
  // add and del drop empty arguments, as apk's `remove_empty_arguments` does.
  const kept = applet === 'add' || applet === 'del' ? args.filter((a) => a !== '') : args;
  return { applet, options, args: kept };
}

export function has(a: ApkArgs, name: string): boolean {
  return a.options.has(name);
}

export function values(a: ApkArgs, name: string): string[] {
  return a.options.get(name) ?? [];
}

export function last(a: ApkArgs, name: string): string | undefined {
  const v = a.options.get(name);
  return v?.[v.length - 1];
}

/** Splits one line of arguments like a POSIX shell would for plain words and "…" or '…' quotes. */
export function splitShellWords(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inWord = false;
  let quote: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (quote) {
      if (c === quote) quote = null;
      else if (c === '\\' && quote === '"' && i + 1 < line.length) cur += line[++i];
      else cur += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < line.length) {
      cur += line[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) out.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (inWord) out.push(cur);
  return out;
}

/** apk's test build options (`--test-repo`, `--test-instdb`, `--test-world`): simulate, load order. */
export function isTestMode(a: ApkArgs): boolean {
  return has(a, 'test-repo') || has(a, 'test-instdb') || has(a, 'test-world');
}
