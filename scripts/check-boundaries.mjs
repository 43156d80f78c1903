#!/usr/bin/env node
// The architecture lint that Biome cannot express:
//  - only src/cli/ may touch `process` or `console` (the library reports through a Logger);
//  - a module is imported from another only through its index.ts (no deep imports).
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { walkFiles } from './walk-files.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const src = join(root, 'src');
const problems = [];

const walk = (dir) => walkFiles(dir, '.ts');

for (const file of walk(src)) {
  const rel = relative(src, file);
  const mod = rel.split(sep)[0];
  const lines = readFileSync(file, 'utf8').split('\n');
  lines.forEach((line, i) => {
    const where = `src/${rel}:${i + 1}`;
    const code = line.replace(/\/\/.*$/, '');
    if (mod !== 'cli' && /\b(process|console)\.[a-zA-Z]/.test(code) && !/^\s*\*/.test(line)) {
      problems.push(`${where}: 'process'/'console' outside src/cli/ (take a Logger or an argument instead)`);
    }
    for (const m of code.matchAll(/from\s+'(\.[^']+)'/g)) {
      const target = resolve(dirname(file), m[1]);
      const trel = relative(src, target);
      const tmod = trel.split(sep)[0];
      if (tmod !== mod && trel.split(sep).length > 1 && !trel.endsWith(`${sep}index.js`)) {
        problems.push(`${where}: deep import '${m[1]}' into module '${tmod}' (import its index.js)`);
      }
    }
  });
}
if (problems.length) {
  console.error(problems.join('\n'));
  console.error(`check-boundaries: ${problems.length} problem(s)`);
  process.exit(1);
}
