// A node:test reporter that prints, when the run ends, the slowest test files: the sum of each
// file's top-level tests and suites (wall time; two files run at once, so the sum exceeds the run).
// scripts/run-tests.mjs adds it beside the spec reporter: the figures say where the suite's time goes.
import { relative } from 'node:path';

export default async function* fileTimes(source) {
  const perFile = new Map();
  for await (const event of source) {
    if ((event.type === 'test:pass' || event.type === 'test:fail') && event.data.nesting === 0 && event.data.file) {
      const file = relative(process.cwd(), event.data.file);
      perFile.set(file, (perFile.get(file) ?? 0) + (event.data.details?.duration_ms ?? 0));
    }
  }
  const slowest = [...perFile].sort((a, b) => b[1] - a[1]).slice(0, 10);
  if (slowest.length === 0) return;
  yield `\nslowest test files (of ${perFile.size}):\n`;
  for (const [file, ms] of slowest) yield `${(ms / 1000).toFixed(1).padStart(8)} s  ${file}\n`;
}
