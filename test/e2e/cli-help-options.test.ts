import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  APPLET_OPTIONS,
  type OptionDef as ApkOptionDef,
  COMMIT_APPLETS,
  COMMIT_OPTIONS,
  GLOBAL_OPTIONS,
} from '../../src/cli/commands/apk/args.js';
import { commands } from '../../src/cli/commands/index.js';
import { runCli } from '../helpers/cli.js';

/**
 * `--name` words of a help text, leaving out those in a quoted command line of another command
 * ('lupine image build --lockfile FILE', 'cosign sign --key') that only refer to it.
 */
function longOptionsIn(help: string): Set<string> {
  const own = help.replace(/'(?:lupine|cosign|apk|melange|apko) [^']*'/g, '');
  return new Set([...own.matchAll(/(?<![\w-])--([a-z][a-z0-9-]*)/g)].map((m) => m[1] as string));
}

/** `-s, --name` pairs of a help text's option rows. */
function shortPairsIn(help: string): Map<string, string> {
  return new Map(
    [...help.matchAll(/^ +-([A-Za-z]), --([a-z][a-z0-9-]*)/gm)].map((m) => [m[2] as string, m[1] as string]),
  );
}

async function helpOf(path: readonly string[]): Promise<string> {
  const r = await runCli([...path, '--help']);
  assert.equal(r.code, 0, `${path.join(' ')} --help: ${r.stderr}`);
  return r.stdout;
}

test('every option of every command spec is in its --help, and every --option in --help is in its spec', async () => {
  const drifts: string[] = [];
  for (const entry of commands) {
    const command = await entry.load();
    if (command.options === undefined) continue;
    const name = entry.path.join(' ');
    const help = await helpOf(entry.path);
    const inHelp = longOptionsIn(help);
    const shorts = shortPairsIn(help);
    for (const [long, def] of Object.entries(command.options)) {
      if (!inHelp.has(long)) drifts.push(`${name}: --${long} is in the spec, not in --help`);
      else if (def.short !== undefined && shorts.get(long) !== def.short) {
        drifts.push(`${name}: -${def.short}, --${long} is in the spec, --help shows no -${def.short}`);
      }
    }
    for (const long of inHelp) {
      if (long !== 'help' && !(long in command.options))
        drifts.push(`${name}: --${long} is in --help, not in the spec`);
    }
    for (const [long, short] of shorts) {
      const def = command.options[long];
      if (def !== undefined && def.short !== short) drifts.push(`${name}: --help shows -${short} for --${long}`);
    }
  }
  assert.deepEqual(drifts, []);
});

test('every command but apk parses with a spec its --help comes from', async () => {
  const without: string[] = [];
  for (const entry of commands) if ((await entry.load()).options === undefined) without.push(entry.path.join(' '));
  assert.deepEqual(without, ['apk']);
});

/** The option defs `lupine apk [APPLET] --help` describes: global (and test), commit for applets that commit, the applet's. */
function apkDefsOf(applet: string | undefined): readonly ApkOptionDef[] {
  if (applet === undefined) return GLOBAL_OPTIONS;
  return [...GLOBAL_OPTIONS, ...(COMMIT_APPLETS.has(applet) ? COMMIT_OPTIONS : []), ...(APPLET_OPTIONS[applet] ?? [])];
}

/** The short letters each `--name` row of an apk help shows: `-e, -x, --exact` gives exact → 'ex'. */
function apkShortsIn(help: string): Map<string, string> {
  return new Map(
    [...help.matchAll(/^ +((?:-[A-Za-z0-9], )*)--([a-z][a-z0-9-]*)/gm)].map((m) => [
      m[2] as string,
      (m[1] as string).replace(/[-, ]/g, ''),
    ]),
  );
}

test("apk's --help and each applet's --help show exactly the options of their specs, with their short letters", async () => {
  const drifts: string[] = [];
  for (const applet of [undefined, ...Object.keys(APPLET_OPTIONS)]) {
    const name = applet === undefined ? 'apk' : `apk ${applet}`;
    const help = await helpOf(applet === undefined ? ['apk'] : ['apk', applet]);
    const defs = apkDefsOf(applet);
    const inHelp = longOptionsIn(help);
    const shorts = apkShortsIn(help);
    for (const d of defs) {
      if (!inHelp.has(d.long)) drifts.push(`${name}: --${d.long} is in the spec, not in --help`);
      else if ((shorts.get(d.long) ?? '') !== (d.short ?? '')) {
        drifts.push(
          `${name}: --${d.long} has -${d.short ?? ''} in the spec, --help shows -${shorts.get(d.long) ?? ''}`,
        );
      }
    }
    const known = new Set(defs.map((d) => d.long));
    for (const long of inHelp) if (!known.has(long)) drifts.push(`${name}: --${long} is in --help, not in the spec`);
  }
  assert.deepEqual(drifts, []);
});

test('apk --help lists every applet; an applet --help is its own', async () => {
  const help = await helpOf(['apk']);
  const listed = [...help.matchAll(/^ {2}([a-z]+) {2,}\S/gm)].map((m) => m[1]);
  assert.deepEqual([...listed].sort(), Object.keys(APPLET_OPTIONS).sort());
  const add = await helpOf(['apk', 'add']);
  assert.match(add, /^usage: lupine apk add /m);
  assert.match(add, /^Add options:$/m);
  assert.match(add, /^Commit options:$/m);
  assert.doesNotMatch(add, /^Info options:$/m);
});
