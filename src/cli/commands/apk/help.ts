/**
 * `lupine apk --help` and `lupine apk <applet> --help`, generated from the option specs in
 * args.ts (so they cannot drift) and laid out as apk-tools 2.14 prints its help: the version line,
 * the usage, then either the applets by section (no applet) or the applet's description, then one
 * `<Group> options:` block per option group — names in a 20-column field, text wrapped to 78 columns.
 */
import { TOOL_VERSION } from '../../../core/index.js';
import {
  APPLET_OPTIONS,
  COMMIT_APPLETS,
  COMMIT_OPTIONS,
  GLOBAL_OPTIONS,
  type OptionDef,
  TEST_OPTIONS,
} from './args.js';

/** One applet's line in the applet list and the top of its own help. */
interface AppletHelp {
  readonly summary: string;
  /** Its usage lines, after `lupine apk `. */
  readonly usage: readonly string[];
  readonly description: string;
}

/** apk-tools 2.14's sections of the applet list, with lupine's applets in apk's order. */
const SECTIONS: ReadonlyArray<readonly [string, Readonly<Record<string, AppletHelp>>]> = [
  [
    'Package installation and removal',
    {
      add: {
        summary: 'Add or modify constraints in WORLD and commit changes',
        usage: ['add [<OPTIONS>...] CONSTRAINTS...'],
        description:
          'Adds the constraints to WORLD (ROOT/etc/apk/world) and installs, upgrades or removes packages so that ' +
          'the installed set satisfies it.',
      },
      del: {
        summary: 'Remove constraints from WORLD and commit changes',
        usage: ['del [<OPTIONS>...] CONSTRAINTS...'],
        description:
          'Removes the constraints from WORLD and removes the packages nothing needs any more. A package that ' +
          'another world entry still needs stays, with a note saying which.',
      },
    },
  ],
  [
    'System maintenance',
    {
      fix: {
        summary: 'Fix, reinstall or upgrade packages without modifying WORLD',
        usage: ['fix [<OPTIONS>...] [PACKAGES...]'],
        description: 'Reinstalls the given packages (by default) or upgrades them, leaving WORLD as it is.',
      },
      upgrade: {
        summary: 'Install upgrades available from repositories',
        usage: ['upgrade [<OPTIONS>...] [PACKAGES...]'],
        description:
          'Upgrades the installed packages (or only the given ones) to the best versions the repositories have ' +
          'that still satisfy WORLD.',
      },
      cache: {
        summary: 'Manage the local package cache',
        usage: ['cache [<OPTIONS>...] clean', 'cache [<OPTIONS>...] download', 'cache [<OPTIONS>...] sync'],
        description:
          'clean removes cached packages and indexes that are no longer needed; download fetches the packages ' +
          'WORLD needs into the cache; sync does both.',
      },
    },
  ],
  [
    'Querying package information',
    {
      info: {
        summary: 'Give detailed information about packages',
        usage: ['info [<OPTIONS>...] [PACKAGES...]'],
        description:
          'Without arguments, lists the installed packages. With packages, prints what the options ask for ' +
          '(description, web page and size when none is given).',
      },
      list: {
        summary: 'List packages matching a pattern or other criteria',
        usage: ['list [<OPTIONS>...] [PATTERN...]'],
        description: 'Lists the packages whose names match the patterns (all packages without one).',
      },
      dot: {
        summary: 'Render dependencies as graphviz graphs',
        usage: ['dot [<OPTIONS>...] [PKGMASK...]'],
        description: 'Prints the dependency graph of the given packages (or of all of them) in graphviz dot format.',
      },
      policy: {
        summary: 'Show repository policy for packages',
        usage: ['policy [<OPTIONS>...] PACKAGES...'],
        description: 'Prints every version of each package the repositories have, and which repositories have it.',
      },
      search: {
        summary: 'Search for packages by name or description',
        usage: ['search [<OPTIONS>...] PATTERN...'],
        description: 'Prints the packages whose names (or descriptions, with -d) match the patterns.',
      },
    },
  ],
  [
    'Repository maintenance',
    {
      verify: {
        summary: 'Verify package integrity and signature',
        usage: ['verify [<OPTIONS>...] FILES...'],
        description: 'Checks the signature and hashes of each .apk file and says whether it is good.',
      },
    },
  ],
  [
    'Miscellaneous',
    {
      version: {
        summary: 'Compare package versions or perform tests on version strings',
        usage: [
          'version [<OPTIONS>...] [PACKAGES...]',
          'version -c VERSIONS...',
          'version -t VERSION1 VERSION2',
          'version -I',
        ],
        description:
          'Compares the installed packages (or the given ones) with the versions the repositories have; -t ' +
          'compares two version strings and -c checks them.',
      },
    },
  ],
];

const APPLETS: Readonly<Record<string, AppletHelp>> = Object.assign({}, ...SECTIONS.map(([, applets]) => applets));

/** Where apk-tools starts an option's text (it takes 20 columns for the names). */
const TEXT_COLUMN = 24;
/** apk-tools wraps its help to this width. */
const WIDTH = 78;

/** `text` in lines of at most `width` characters, broken at spaces. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter((w) => w !== '')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  return [...lines, line];
}

/** `-e, -x, --exact` or `-p, --root ROOT`: an option's names as its row shows them. */
function namesOf(d: OptionDef): string {
  const shorts = [...(d.short ?? '')].map((c) => `-${c}, `).join('');
  return `${shorts}--${d.long}${d.arg === undefined ? '' : ` ${d.arg}`}`;
}

/** One `<Title> options:` block: names that do not fit the column go on a line of their own. */
function optionGroup(title: string, defs: readonly OptionDef[]): string {
  const indent = ' '.repeat(TEXT_COLUMN);
  let s = `\n${title} options:\n`;
  for (const d of defs) {
    const names = namesOf(d);
    const [first, ...more] = wrap(d.help, WIDTH - TEXT_COLUMN - 1);
    s +=
      names.length > TEXT_COLUMN - 4
        ? `  ${names}\n${indent}${first}\n`
        : `  ${names.padEnd(TEXT_COLUMN - 4)}  ${first}\n`;
    for (const line of more) s += `${indent}${line}\n`;
  }
  return s;
}

/** The line apk-tools starts its help with, and what `--version` prints. */
export function versionLine(): string {
  return `lupine ${TOOL_VERSION} apk, apk-tools 2.14 compatible.\n`;
}

const usageOf = (lines: readonly string[]) =>
  lines.map((l, i) => `${i === 0 ? 'usage: ' : '   or: '}lupine apk ${l}\n`).join('');

const GLOBAL_ONLY = GLOBAL_OPTIONS.filter((d) => !TEST_OPTIONS.includes(d));

/** The global option groups every help shows. */
const globalGroups = () => optionGroup('Global', GLOBAL_ONLY) + optionGroup('Test', TEST_OPTIONS);

const NOTES = `
The test options (apk's test build) load the state from files instead of ROOT
and only simulate: they change nothing. HTTP basic auth comes from credentials
in the repository URL or from HTTP_AUTH=basic:HOST:USER:PASS.
`;

/** `lupine apk --help`: the applets by section, then the global options. */
function topHelp(): string {
  let s = `${versionLine()}\n${usageOf(['[<OPTIONS>...] COMMAND [<ARGUMENTS>...]'])}`;
  for (const [section, applets] of SECTIONS) {
    s += `\n${section}:\n`;
    for (const [name, a] of Object.entries(applets)) s += `  ${name.padEnd(10)} ${a.summary}\n`;
  }
  return s + globalGroups() + NOTES;
}

/** `lupine apk APPLET --help`: its usage and description, then the global, commit and its own options. */
function appletHelp(applet: string, a: AppletHelp): string {
  const own = APPLET_OPTIONS[applet] ?? [];
  const title = `${applet[0]?.toUpperCase()}${applet.slice(1)}`;
  return (
    `${versionLine()}\n${usageOf(a.usage)}\nDescription:\n${wrap(a.description, WIDTH - 2)
      .map((l) => `  ${l}\n`)
      .join('')}` +
    globalGroups() +
    (COMMIT_APPLETS.has(applet) ? optionGroup('Commit', COMMIT_OPTIONS) : '') +
    (own.length > 0 ? optionGroup(title, own) : '') +
    NOTES
  );
}

/** The help for `applet` (apk's own without one). */
export function apkHelp(applet: string | undefined): string {
  const a = applet === undefined ? undefined : APPLETS[applet];
  return applet === undefined || a === undefined ? topHelp() : appletHelp(applet, a);
}
