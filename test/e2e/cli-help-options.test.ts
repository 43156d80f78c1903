import assert from 'node:assert/strict';
import { test } from 'node:test';
import { APPLET_OPTIONS, COMMIT_OPTIONS, GLOBAL_OPTIONS } from '../../src/cli/commands/apk/args.js';
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

test("every --option apk's --help names is one of apk's global, commit or applet options", async () => {
  const known = new Set(
    [...GLOBAL_OPTIONS, ...COMMIT_OPTIONS, ...Object.values(APPLET_OPTIONS).flat()].map((d) => d.long),
  );
  const help = await helpOf(['apk']);
  const unknown = [...longOptionsIn(help)].filter((o) => !known.has(o) && o !== 'force-');
  assert.deepEqual(unknown, []);
});
