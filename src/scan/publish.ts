/**
 * Publishing a distro's own advisories: `distro/advisories/*.advisories.yaml` (Wolfi's format) read
 * strictly and written as `security.json` (secdb) beside the repository's arch directories, atomically.
 */
import { randomBytes } from 'node:crypto';
import { readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadAdvisorySource } from './advisory-load.js';
import { writeSecdb } from './secdb-write.js';

/** The secdb's name in a repository directory. */
export const REPOSITORY_SECDB = 'security.json';

/**
 * Writes `<repoDir>/security.json` from the advisory documents in `advisoriesDir`; returns how many
 * entries it holds, or undefined when there is no such directory (nothing written).
 */
export async function publishSecdb(
  advisoriesDir: string,
  repoDir: string,
  archs: readonly string[],
): Promise<number | undefined> {
  const names = await readdir(advisoriesDir).catch(() => undefined);
  if (names === undefined) return undefined;
  const batches = await loadAdvisorySource(advisoriesDir, { cwd: repoDir, strict: true });
  const entries = batches.flatMap((b) => b.entries);
  const text = writeSecdb(entries, { reponame: 'lupine', archs });
  const tmp = join(repoDir, `.${REPOSITORY_SECDB}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFile(tmp, text);
    await rename(tmp, join(repoDir, REPOSITORY_SECDB));
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  return entries.length;
}
