/**
 * Issue 13: what apk-tools 2.14 does on real roots (../shared/vectors/apk-tools-behaviour/root/),
 * data-driven: each scenario's steps.txt runs through `./bin/lupine apk` (and `/bin/sh -c` for local
 * edits) in a fresh root; the merged output, exit codes, the resulting tree and the installed
 * database must equal what apk-tools printed and left. B5 also checks the mtime policy.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  closeSync,
  existsSync,
  lstatSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { binLupine, vector } from '../helpers/paths.js';

const base = vector('apk-tools-behaviour', 'root');
const work = mkdtempSync(join(tmpdir(), 'lupine-behaviour-'));
after(() => rmSync(work, { recursive: true, force: true }));

const EXCLUDED = ['dev', 'proc', 'sys', 'var/cache/apk'];

/** `PATH TYPE MODE UID:GID SIZE EXTRA` for every path under root, sorted by path bytes. */
export function treeLines(root: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const name of readdirSync(join(root, rel))) {
      const r = rel ? `${rel}/${name}` : name;
      if (EXCLUDED.includes(r)) continue;
      const p = join(root, r);
      const st = lstatSync(p);
      const mode = (st.mode & 0o7777).toString(8).padStart(4, '0');
      const own = `${st.uid}:${st.gid}`;
      if (st.isDirectory()) {
        out.push(`${r} d ${mode} ${own} - -`);
        walk(r);
      } else if (st.isSymbolicLink()) {
        const target = readlinkSync(p);
        out.push(`${r} l ${mode} ${own} ${Buffer.byteLength(target)} ${target}`);
      } else {
        const sum = createHash('sha256').update(readFileSync(p)).digest('hex');
        out.push(`${r} f ${mode} ${own} ${st.size} ${sum}`);
      }
    }
  };
  walk('');
  return out.sort((a, b) => Buffer.compare(Buffer.from(a.split(' ')[0] ?? ''), Buffer.from(b.split(' ')[0] ?? '')));
}

interface Run {
  readonly output: string;
  readonly exits: string[];
  readonly started: number;
  readonly ended: number;
}

/** Runs a scenario's steps in `root`; the output file gets both streams, in order, like `2>&1`. */
function runSteps(dir: string, root: string): Run {
  const subst = (s: string) =>
    s.replaceAll('ROOT', root).replaceAll('REPO', join(dir, 'repo')).replaceAll('KEYS', join(dir, 'keys'));
  const steps = readFileSync(join(dir, 'steps.txt'), 'utf8')
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('#'));
  let output = '';
  const exits: string[] = [];
  const started = Math.floor(Date.now() / 1000);
  steps.forEach((line, i) => {
    output += `### step ${i + 1}: ${line}\n`;
    const file = join(work, 'step.out');
    const fd = openSync(file, 'w');
    try {
      if (line.startsWith('apk ')) {
        const args = subst(line.slice(4)).split(/\s+/).filter(Boolean);
        const r = spawnSync(process.execPath, [binLupine, 'apk', ...args], {
          env: { PATH: process.env.PATH, HOME: work },
          stdio: ['ignore', fd, fd],
        });
        exits.push(`${i + 1} ${r.status}`);
      } else if (line.startsWith('sh ')) {
        spawnSync('/bin/sh', ['-c', subst(line.slice(3))], { stdio: ['ignore', fd, fd] });
      } else {
        throw new Error(`unknown step: ${line}`);
      }
    } finally {
      closeSync(fd);
    }
    output += readFileSync(file, 'utf8');
  });
  return { output, exits, started, ended: Math.ceil(Date.now() / 1000) };
}

const scenarios = readdirSync(base)
  .filter((d) => /^B\d+-/.test(d))
  .sort();

describe('apk-tools 2.14 behaviour on real roots, through bin/lupine apk', () => {
  it('the vectors hold the five scenarios', () => {
    assert.deepEqual(scenarios, [
      'B1-config-del',
      'B2-config-apk-new',
      'B3-file-conflict',
      'B4-dir-mode',
      'B5-symlink-mtime',
    ]);
  });

  for (const name of scenarios) {
    describe(name, () => {
      const dir = join(base, name);
      const root = mkdtempSync(join(work, `${name}-`));
      let run: Run | undefined;
      const get = () => {
        run ??= runSteps(dir, root);
        return run;
      };
      it('prints what apk printed', () => {
        assert.equal(get().output, readFileSync(join(dir, 'expected-output.txt'), 'utf8'));
      });
      it('exits as apk did', () => {
        assert.deepEqual(get().exits, readFileSync(join(dir, 'expected-exit.txt'), 'utf8').split('\n').filter(Boolean));
      });
      it('leaves the same tree', () => {
        get();
        assert.deepEqual(
          treeLines(root),
          readFileSync(join(dir, 'expected-tree.txt'), 'utf8').split('\n').filter(Boolean),
        );
      });
      it('writes the same installed database', () => {
        get();
        assert.equal(
          readFileSync(join(root, 'lib/apk/db/installed'), 'utf8'),
          readFileSync(join(dir, 'expected-installed.txt'), 'utf8'),
        );
      });
      if (name === 'B5-symlink-mtime') {
        it('file mtime from the header; symlink and directory mtimes are the install time', () => {
          const { started, ended } = get();
          assert.equal(lstatSync(join(root, 'usr/bin/tool-1')).mtimeMs, 1600000000 * 1000);
          for (const p of ['usr/bin/tool', 'usr/bin', 'usr']) {
            const t = Math.floor(lstatSync(join(root, p)).mtimeMs / 1000);
            assert.notEqual(t, 1600000000, p);
            assert.ok(t >= started && t <= ended, `${p}: ${t} not in [${started}, ${ended}]`);
          }
        });
      }
    });
  }
});

describe('apk fix on a root with an edited protected file (B2 packages)', () => {
  const dir = join(base, 'B2-config-apk-new');
  const root = mkdtempSync(join(work, 'fix-'));
  const apk = (...args: string[]) =>
    spawnSync(
      process.execPath,
      [binLupine, 'apk', '--root', root, '--keys-dir', join(dir, 'keys'), '-X', join(dir, 'repo'), ...args],
      { env: { PATH: process.env.PATH, HOME: work }, encoding: 'utf8' },
    );

  it('reinstalling keeps the local edit and writes the packaged version beside it as .apk-new', () => {
    assert.equal(apk('--initdb', 'add').status, 0);
    assert.equal(apk('add', 'foo=2.0-r0').status, 0);
    const packaged = readFileSync(join(root, 'etc/foo.conf'));
    const edited = Buffer.concat([packaged, Buffer.from('local edit\n')]);
    writeFileSync(join(root, 'etc/foo.conf'), edited);
    const r = apk('fix', 'foo');
    assert.equal(r.stdout, '(1/1) Reinstalling foo (2.0-r0)\nOK: 0 MiB in 1 packages\n');
    assert.equal(r.stderr, '');
    assert.equal(r.status, 0);
    assert.deepEqual(readFileSync(join(root, 'etc/foo.conf')), edited);
    assert.deepEqual(readFileSync(join(root, 'etc/foo.conf.apk-new')), packaged);
    // The unedited config files are reinstalled in place, with no .apk-new.
    assert.equal(existsSync(join(root, 'etc/bar.conf.apk-new')), false);
  });
});
