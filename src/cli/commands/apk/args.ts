/**
 * apk-tools 2.14 command line: global, commit and applet options may appear anywhere on the line
 * (getopt with permutation); the applet is the first bare word naming one.
 */
import { LupineError } from '../../../core/index.js';

export interface OptionDef {
  readonly long: string;
  /** Its short letters: usually one; apk's APK_OPT_S2 gives some options two (`search -e`/`-x`). */
  readonly short?: string;
  readonly arg?: boolean;
}

const o = (long: string, short?: string, arg = false): OptionDef => ({ long, ...(short ? { short } : {}), arg });

export const GLOBAL_OPTIONS: readonly OptionDef[] = [
  o('help', 'h'),
  o('root', 'p', true),
  o('repository', 'X', true),
  o('quiet', 'q'),
  o('verbose', 'v'),
  o('version', 'V'),
  o('force', 'f'),
  o('force-binary-stdout'),
  o('force-broken-world'),
  o('force-missing-repositories'),
  o('force-non-repository'),
  o('force-old-apk'),
  o('force-overwrite'),
  o('force-refresh'),
  o('interactive', 'i'),
  o('no-interactive'),
  o('progress'),
  o('no-progress'),
  o('progress-fd', undefined, true),
  o('purge'),
  o('allow-untrusted'),
  o('wait', undefined, true),
  o('keys-dir', undefined, true),
  o('repositories-file', undefined, true),
  o('update-cache', 'U'),
  o('no-network'),
  o('no-cache'),
  o('cache-dir', undefined, true),
  o('cache-max-age', undefined, true),
  o('arch', undefined, true),
  o('print-arch'),
  o('timeout', undefined, true),
  o('test-repo', undefined, true),
  o('test-instdb', undefined, true),
  o('test-world', undefined, true),
];

export const COMMIT_OPTIONS: readonly OptionDef[] = [
  o('simulate', 's'),
  o('clean-protected'),
  o('overlay-from-stdin'),
  o('no-scripts'),
  o('scripts'),
  o('no-commit-hooks'),
  o('initramfs-diskless-boot'),
];

export const APPLET_OPTIONS: Readonly<Record<string, readonly OptionDef[]>> = {
  add: [o('initdb'), o('latest', 'l'), o('upgrade', 'u'), o('virtual', 't', true), o('no-chown')],
  del: [o('rdepends', 'r')],
  upgrade: [
    o('available', 'a'),
    o('latest', 'l'),
    o('no-self-upgrade'),
    o('self-upgrade-only'),
    o('ignore'),
    o('prune'),
  ],
  fix: [o('depends', 'd'), o('reinstall', 'r'), o('upgrade', 'u'), o('xattr', 'x'), o('directory-permissions')],
  version: [o('indexes', 'I'), o('test', 't'), o('check', 'c'), o('all', 'a'), o('limit', 'l', true)],
  policy: [],
  verify: [],
  cache: [o('latest', 'l'), o('upgrade', 'u'), o('simulate', 's')],
  dot: [o('errors'), o('installed')],
  info: [
    o('installed', 'e'),
    o('who-owns', 'W'),
    o('depends', 'R'),
    o('provides', 'P'),
    o('rdepends', 'r'),
    o('replaces'),
    o('install-if', 'i'),
    o('rinstall-if', 'I'),
    o('webpage', 'w'),
    o('size', 's'),
    o('description', 'd'),
    o('license'),
    o('triggers', 't'),
    o('all', 'a'),
    o('contents', 'L'),
  ],
  search: [
    o('all', 'a'),
    o('description', 'd'),
    o('exact', 'ex'),
    o('origin', 'o'),
    o('rdepends', 'r'),
    o('has-origin'),
  ],
  list: [
    o('installed', 'I'),
    o('orphaned', 'O'),
    o('available', 'a'),
    o('upgradable', 'u'),
    o('upgradeable'),
    o('origin', 'o'),
    o('depends', 'd'),
    o('providers', 'P'),
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
function findApplet(argv: readonly string[]): string | undefined {
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
      const d = byLong.get(name) ?? (name.startsWith('force-') ? o(name) : undefined);
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
