/**
 * apk-tools-behaviour/solver/ replayed the way its README says apk's normal build ran them: on a
 * real root (`--root R --allow-untrusted -X REPO <applet> --simulate ...`), the `.repo` text packed
 * verbatim as `REPO/x86_64/APKINDEX.tar.gz`, the `.installed` text as `R/lib/apk/db/installed` and
 * the world as `R/etc/apk/world`. That run printed what the test build printed, and exited as
 * `exitcodes.txt` says; so must bin/lupine, whose real-root mode orders reverse dependencies by name
 * hash where the test build uses load order.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { gzipMember, writeTar } from '../../src/archive/index.js';
import { splitShellWords } from '../../src/cli/commands/apk/args.js';
import { spawnCli } from '../helpers/cli.js';
import { vector } from '../helpers/paths.js';

const dir = vector('apk-tools-behaviour', 'solver');
const work = mkdtempSync(join(tmpdir(), 'lupine-behaviour-root-'));
after(() => rmSync(work, { recursive: true, force: true }));

const exitCodes = new Map(
  readFileSync(join(dir, 'exitcodes.txt'), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => l.split(' ') as [string, string]),
);

/** The case's arguments with the test-build options taken out, and what those options named. */
function realRun(file: string): { repo: string; installed?: string; world: string[]; rest: string[]; expect: string } {
  const lines = readFileSync(join(dir, file), 'utf8').split('\n');
  const args = lines.slice(lines.indexOf('@ARGS') + 1, lines.indexOf('@EXPECT')).flatMap((l) => splitShellWords(l));
  const expect = lines.slice(lines.indexOf('@EXPECT') + 1).join('\n');
  let repo = '';
  let installed: string | undefined;
  let world: string[] = [];
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === '--test-repo') repo = args[++i] as string;
    else if (a === '--test-instdb') installed = args[++i];
    else if (a === '--test-world') world = (args[++i] as string).split(/\s+/).filter(Boolean);
    else rest.push(a);
  }
  return { repo, ...(installed ? { installed } : {}), world, rest, expect };
}

const cases = readdirSync(dir)
  .filter((f) => f.endsWith('.test'))
  .sort();

describe('apk-tools behaviour solver cases on real roots (apk normal build)', () => {
  it('every case has a recorded exit status', () => {
    assert.equal(cases.length, 6);
    assert.deepEqual([...exitCodes.keys()].sort(), cases);
  });

  for (const file of cases) {
    it(`${file}: same output, exit ${exitCodes.get(file)}`, () => {
      const c = realRun(file);
      const base = join(work, file.replace(/\.test$/, ''));
      const repo = join(base, 'repo');
      const root = join(base, 'root');
      mkdirSync(join(repo, 'x86_64'), { recursive: true });
      mkdirSync(join(root, 'lib/apk/db'), { recursive: true });
      mkdirSync(join(root, 'etc/apk'), { recursive: true });
      const text = readFileSync(join(dir, c.repo));
      const tar = writeTar([{ name: 'APKINDEX', type: 'file', mode: 0o644, mtime: 0, data: text }], {
        dialect: 'apk',
      });
      writeFileSync(join(repo, 'x86_64', 'APKINDEX.tar.gz'), gzipMember(tar));
      const installed = c.installed ? join(dir, c.installed) : undefined;
      writeFileSync(
        join(root, 'lib/apk/db/installed'),
        installed && existsSync(installed) ? readFileSync(installed) : '',
      );
      writeFileSync(join(root, 'etc/apk/world'), c.world.map((w) => `${w}\n`).join(''));
      writeFileSync(join(root, 'etc/apk/arch'), 'x86_64\n');
      const r = spawnCli(['apk', '--root', root, '--allow-untrusted', '-X', repo, '--simulate', ...c.rest], {
        cwd: base,
        env: { PATH: process.env.PATH, HOME: work, SOURCE_DATE_EPOCH: '1' },
      });
      assert.equal(`${r.stdout}${r.stderr}`, c.expect);
      assert.equal(r.code, Number(exitCodes.get(file)));
    });
  }
});
