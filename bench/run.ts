/**
 * `npm run bench [-- FILTER...] [--json]`: runs every bench (each `bench/*.ts` module's exported
 * `bench*` functions) and prints a table, or JSON with --json. Filters match module or function names.
 */
import { readdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type BenchResult, verdict } from './result.js';

type BenchFn = () => Promise<BenchResult[]> | BenchResult[];

async function discover(filters: readonly string[]): Promise<Array<{ id: string; fn: BenchFn }>> {
  const here = dirname(fileURLToPath(import.meta.url));
  const files = readdirSync(here)
    .filter((f) => f.endsWith('.js') && f !== 'run.js' && f !== 'result.js')
    .sort();
  const out: Array<{ id: string; fn: BenchFn }> = [];
  for (const f of files) {
    const mod = (await import(pathToFileURL(`${here}/${f}`).href)) as Record<string, unknown>;
    for (const [name, value] of Object.entries(mod).sort(([a], [b]) => a.localeCompare(b))) {
      if (!/^bench[A-Z]/.test(name) || typeof value !== 'function') continue;
      const id = `${f.replace(/\.js$/, '')}:${name}`;
      if (filters.length && !filters.some((x) => id.toLowerCase().includes(x.toLowerCase()))) continue;
      out.push({ id, fn: value as BenchFn });
    }
  }
  return out;
}

function fmt(n: number | undefined, digits = 1): string {
  return n === undefined ? '-' : n.toFixed(digits);
}

function table(results: readonly BenchResult[]): string {
  const rows = [
    ['name', 'ms', 'baseline ms', 'ratio', 'target', 'result'],
    ...results.map((r) => [
      r.name,
      fmt(r.ms),
      fmt(r.baselineMs),
      r.ratio === undefined ? '-' : `${r.ratio.toFixed(2)}×`,
      r.target ?? '-',
      verdict(r),
    ]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  const line = (row: string[]) =>
    row
      .map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  const notes = results.filter((r) => r.note).map((r) => `  ${r.name}: ${r.note}`);
  return [
    line(rows[0]!),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...rows.slice(1).map(line),
    ...(notes.length ? ['', 'notes:', ...notes] : []),
  ].join('\n');
}

const args = process.argv.slice(2);
const json = args.includes('--json');
const filters = args.filter((a) => !a.startsWith('--'));
const benches = await discover(filters);
if (benches.length === 0) {
  console.error(`bench: no bench matches ${filters.join(' ')}`);
  process.exit(2);
}
const results: BenchResult[] = [];
const failed: string[] = [];
for (const b of benches) {
  if (!json) process.stderr.write(`running ${b.id} …\n`);
  try {
    results.push(...(await b.fn()));
  } catch (err) {
    failed.push(`${b.id}: ${(err as Error).stack ?? String(err)}`);
  }
}
if (json) {
  console.log(
    JSON.stringify(
      results.map((r) => ({ ...r, result: verdict(r) })),
      null,
      2,
    ),
  );
} else {
  console.log(table(results));
}
if (failed.length) {
  console.error(`\n${failed.length} bench(es) failed:\n${failed.join('\n')}`);
  process.exitCode = 1;
}
