// The files under a directory whose names end in `suffix`, sorted, for the build scripts.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export function walkFiles(dir, suffix) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walkFiles(p, suffix));
    else if (name.endsWith(suffix)) out.push(p);
  }
  return out;
}
