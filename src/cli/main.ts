import { markCommandStart, TOOL_VERSION as VERSION } from '../core/index.js';
import type { CommandEntry } from './command.js';
import { commands } from './commands/index.js';
import type { CliIo } from './io.js';
import { EXIT_OK, EXIT_USAGE, writeError } from './render.js';
import { humanIo, humanStdout } from './term-safe.js';

function topHelp(): string {
  const groups = new Map<string, CommandEntry[]>();
  for (const c of commands) {
    const g = c.path.length > 1 ? (c.path[0] ?? '') : '';
    groups.set(g, [...(groups.get(g) ?? []), c]);
  }
  let s = `lupine ${VERSION} — apk packages, melange builds, apko images, SBOMs, signatures and scans\n\nUsage: lupine <command> [options]\n\nCommands:\n`;
  const width = Math.max(...commands.map((c) => c.path.join(' ').length)) + 2;
  for (const [, cs] of [...groups].sort(([a], [b]) => a.localeCompare(b))) {
    for (const c of cs) s += `  ${c.path.join(' ').padEnd(width)}${c.summary}\n`;
  }
  s += `\nEvery command takes --help. Global: --version.\n`;
  s += `Network limits (environment, seconds): LUPINE_NET_TOTAL_DEADLINE bounds all of a command's network\n`;
  s += `work (default: off); per request LUPINE_HTTP_DEADLINE (600), LUPINE_HTTP_MIN_RATE (bytes/s, 1024)\n`;
  s += `over LUPINE_HTTP_LOW_SPEED_TIME (30), LUPINE_HTTP_RETRIES (3).\n`;
  return s;
}

function groupHelp(noun: string): string | undefined {
  const cs = commands.filter((c) => c.path[0] === noun && c.path.length > 1);
  if (cs.length === 0) return undefined;
  const width = Math.max(...cs.map((c) => c.path.join(' ').length)) + 2;
  let s = `Usage: lupine ${noun} <command> [options]\n\nCommands:\n`;
  for (const c of cs) s += `  ${c.path.join(' ').padEnd(width)}${c.summary}\n`;
  return s;
}

/** Finds the longest command path matching the front of argv. */
function lookup(argv: string[]): { command: CommandEntry; rest: string[] } | undefined {
  let best: CommandEntry | undefined;
  for (const c of commands) {
    if (c.path.every((w, i) => argv[i] === w) && (!best || c.path.length > best.path.length)) best = c;
  }
  return best ? { command: best, rest: argv.slice(best.path.length) } : undefined;
}

/** The whole CLI: returns the exit code, touches only the streams in `io`. */
export async function main(argv: string[], given: CliIo): Promise<number> {
  markCommandStart();
  // Package-controlled text must not drive the terminal: stderr always, stdout of human commands.
  const found0 = lookup(argv);
  const io = humanIo(given, !(found0 && humanStdout(found0.command.path, found0.rest)));
  const first = argv[0];
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    io.stdout.write(topHelp());
    return first === undefined ? EXIT_USAGE : EXIT_OK;
  }
  if (first === '--version' || first === 'version') {
    io.stdout.write(`lupine ${VERSION}\n`);
    return EXIT_OK;
  }
  const found = found0;
  if (!found) {
    const g = groupHelp(first);
    if (g && (argv.length === 1 || argv[1] === '--help' || argv[1] === '-h')) {
      io.stdout.write(g);
      return argv.length === 1 ? EXIT_USAGE : EXIT_OK;
    }
    io.stderr.write(
      `lupine: unknown command '${argv.slice(0, 2).join(' ')}'\n  hint: run 'lupine --help' for the list\n`,
    );
    return EXIT_USAGE;
  }
  try {
    const command = await found.command.load();
    if (found.rest.includes('--help') || found.rest.includes('-h')) {
      const help = command.helpFor?.(found.rest) ?? command.help;
      io.stdout.write(help.endsWith('\n') ? help : `${help}\n`);
      return EXIT_OK;
    }
    return await command.run(found.rest, io);
  } catch (err) {
    return writeError(io.stderr, err);
  }
}
