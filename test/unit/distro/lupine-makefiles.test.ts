import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { repoRoot } from '../../helpers/paths.js';

/**
 * The tree's hand-written makefiles (libffi and expat ship no configure) run with `make -j`: every
 * rule that writes under build/ must make its own directory, or, run before the rule that happens
 * to make it, it fails ("can't create build/libffi.pc: nonexistent directory" — a CI run hit it).
 * Each pkg-config target is made alone, from a directory with no build/, from a stub input.
 */
const CASES = [
  { recipe: 'libffi', target: 'build/libffi.pc', input: 'libffi.pc.in' },
  { recipe: 'expat', target: 'build/expat.pc', input: 'expat.pc.in' },
];

describe("distro/'s hand-written makefiles", () => {
  for (const c of CASES) {
    test(`${c.recipe}: ${c.target} builds alone, from a tree with no build/`, (t) => {
      if (spawnSync('make', ['--version']).status !== 0) return t.skip('needs make');
      const dir = mkdtempSync(join(tmpdir(), 'lupine-mk-'));
      try {
        copyFileSync(join(repoRoot, 'distro', c.recipe, 'lupine.mk'), join(dir, 'lupine.mk'));
        writeFileSync(join(dir, c.input), 'Version: @PACKAGE_VERSION@\nLibs: -L@libdir@\n');
        writeFileSync(join(dir, 'libtool-version'), '10:0:2\n');
        writeFileSync(join(dir, 'configure.ac'), 'LIBCURRENT=12\nLIBREVISION=0\nLIBAGE=11\n');
        const r = spawnSync('make', ['-f', 'lupine.mk', 'VERSION=1.2.3', c.target], { cwd: dir, encoding: 'utf8' });
        assert.equal(r.status, 0, r.stderr);
        assert.match(readFileSync(join(dir, c.target), 'utf8'), /^Version: 1\.2\.3$/m);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
