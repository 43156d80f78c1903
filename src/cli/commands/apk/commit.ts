/** apk's commit step: print each change as `(1/2) Installing b (2)`, apply it, then `OK: …`. */
import type { PackageInfo } from '../../../apk/index.js';
import { type Change, explainConflict, type Solution } from '../../../resolver/index.js';
import type { CliIo } from '../../io.js';
import type { ApplyReport, ChangeApplier, CommitPlan } from './context.js';

export interface Output {
  readonly io: CliIo;
  /** apk verbosity: 1 normal, 0 with -q, 2+ with -v. */
  readonly verbosity: number;
}

export function message(out: Output, text: string): void {
  if (out.verbosity > 0) out.io.stdout.write(`${text}\n`);
}

export function errorLine(out: Output, text: string): void {
  out.io.stderr.write(`ERROR: ${text}\n`);
}

export function warning(out: Output, text: string): void {
  if (out.verbosity > 0) out.io.stderr.write(`WARNING: ${text}\n`);
}

const tagText = (tag: string) => (tag ? `@${tag}` : '');

/** The progress line for one change, or undefined when nothing happens to that package. */
export function changeLine(c: Change, index: number, total: number): string | undefined {
  const status = `(${index + 1}/${total})`;
  const name = `${c.name}${tagText(c.newTag)}`;
  switch (c.kind) {
    case 'install':
      return `${status} Installing ${name} (${c.new?.version})`;
    case 'remove':
      return `${status} Purging ${name} (${c.old?.version})`;
    case 'reinstall':
      return `${status} ${c.newAvailable ? 'Reinstalling' : '[APK unavailable, skipped] Reinstalling'} ${name} (${c.new?.version})`;
    case 'pin':
      return `${status} Updating pinning ${name} (${c.new?.version})`;
    case 'upgrade':
    case 'downgrade':
    case 'replace': {
      const verb = c.kind === 'upgrade' ? 'Upgrading' : c.kind === 'downgrade' ? 'Downgrading' : 'Replacing';
      return `${status} ${verb} ${name} (${c.old?.version} -> ${c.new?.version})`;
    }
    default:
      return undefined;
  }
}

export interface CommitOptions {
  readonly installed: readonly PackageInfo[];
  /** The self-upgrade pass prints no `OK:` line. */
  readonly selfUpgrade?: boolean;
}

/** Prints and applies a successful solution; returns the number of errors. */
export async function commitChanges(
  out: Output,
  plan: CommitPlan,
  applier: ChangeApplier,
  opts: CommitOptions,
): Promise<number> {
  const { changes } = plan;
  const total = changes.filter((c) => c.kind !== 'none').length;
  let sizeDiff = 0;
  let pkgDiff = 0;
  for (const c of changes) {
    if (c.new) {
      sizeDiff += c.new.installedSize;
      pkgDiff++;
    }
    if (c.old) {
      sizeDiff -= c.old.installedSize;
      pkgDiff--;
    }
  }
  await applier.prepare?.(plan);
  const lines: { name: string; text: string }[] = [];
  for (const c of changes) {
    const line = changeLine(c, lines.length, total);
    if (line !== undefined) lines.push({ name: c.name, text: line });
  }
  // The installer stages everything and commits in one step, so the changes are applied together;
  // the lines are printed after it, each followed by what apk said while changing that package.
  let applied: number | ApplyReport;
  try {
    applied = await applier.apply(plan);
  } catch (err) {
    printLines(out, lines, new Map());
    throw err;
  }
  const report: ApplyReport = typeof applied === 'number' ? { errors: applied, notes: new Map() } : applied;
  printLines(out, lines, report.notes);
  const errors = report.errors;
  if (!opts.selfUpgrade) {
    const head = errors ? `${errors} error${errors > 1 ? 's' : ''};` : 'OK:';
    // The applier commits even when it reports errors (apk's broken files): the totals are after it.
    const bytes = opts.installed.reduce((n, p) => n + p.installedSize, 0) + sizeDiff;
    const packages = opts.installed.length + pkgDiff;
    const mib = Math.floor(bytes / (1024 * 1024));
    if (out.verbosity > 1) message(out, `${head} ${packages} packages, 0 dirs, 0 files, ${mib} MiB`);
    else message(out, `${head} ${mib} MiB in ${packages} packages`);
  }
  return errors;
}

/**
 * The progress lines, in one write where nothing comes between them (a write per line costs a system
 * call each); a package's notes go to stderr right after its line, the rest after the last line.
 */
function printLines(
  out: Output,
  lines: readonly { name: string; text: string }[],
  notes: ReadonlyMap<string, readonly string[]>,
): void {
  let buffered = '';
  const flush = () => {
    if (buffered !== '' && out.verbosity > 0) out.io.stdout.write(buffered);
    buffered = '';
  };
  const said = new Set<string>();
  const note = (name: string) => {
    const text = notes.get(name);
    if (!text || said.has(name)) return;
    said.add(name);
    flush();
    for (const t of text) if (out.verbosity > 0 || t.startsWith('ERROR: ')) out.io.stderr.write(`${t}\n`);
  };
  for (const l of lines) {
    buffered += `${l.text}\n`;
    note(l.name);
  }
  for (const name of notes.keys()) note(name);
  flush();
}

/** Prints a failed solution's report to stderr. */
export function printConflict(out: Output, solution: Solution): void {
  if (solution.ok) return;
  const columns = out.io.stderr.isTTY && (out.io.stderr.columns ?? 0) > 25 ? (out.io.stderr.columns as number) : 50;
  out.io.stderr.write(explainConflict(solution.conflict, columns));
}
