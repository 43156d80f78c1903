/**
 * apk-tools 2.14's protected paths (`apk_db_add_protected_path`, `apk_db_dir_get`): mode characters,
 * per-directory fnmatch matching with the last matching rule winning, and the decisions for files
 * under protected directories on upgrade and removal.
 */
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  configDecision,
  fnmatchComponent,
  ProtectedPaths,
  parseProtectedPaths,
  readProtectedPaths,
  removeDecision,
} from '../../../src/install/protected-paths.js';
import { tempRoot } from './fixtures.js';

describe('protected path rules', () => {
  it('reads mode characters as apk does: - ignore, + changed, @ symlinks, ! all, none means +', () => {
    assert.deepEqual(parseProtectedPaths(['# c', '', '-a', '+/b/', '@c', '!d', 'e//']), [
      { pattern: 'a', mode: 'ignore' },
      { pattern: 'b', mode: 'changed' },
      { pattern: 'c', mode: 'symlinks' },
      { pattern: 'd', mode: 'all' },
      { pattern: 'e', mode: 'changed' },
    ]);
  });

  it('the built-in rules: etc changed, etc/init.d symlinks, etc/apk all, inherited by subdirectories', () => {
    const p = new ProtectedPaths();
    assert.equal(p.dirMode('etc'), 'changed');
    assert.equal(p.dirMode('etc/conf.d/x'), 'changed');
    assert.equal(p.dirMode('etc/init.d'), 'symlinks');
    assert.equal(p.dirMode('etc/apk'), 'all');
    assert.equal(p.dirMode('etc/apk/keys'), 'all');
    assert.equal(p.dirMode('usr/etc'), 'none');
    assert.equal(p.dirMode('etcetera'), 'none');
    assert.equal(p.fileMode('etc/init.d/sshd'), 'symlinks');
    assert.equal(p.fileMode('etc-file'), 'none');
    assert.equal(p.protects('etc/init.d/sshd'), true);
  });

  it('matches one component per level with fnmatch; the last matching rule wins, not the longest', () => {
    const p = new ProtectedPaths(parseProtectedPaths(['+srv/*/conf', '-srv/w?w/conf', '@opt/[a-c]*', '!opt']));
    assert.equal(p.dirMode('srv/www/conf'), 'ignore');
    assert.equal(p.dirMode('srv/ftp/conf'), 'changed');
    assert.equal(p.dirMode('srv/www/data'), 'none');
    assert.equal(p.dirMode('srv/www/conf/sub'), 'ignore');
    // 'opt' is matched at the top level by '!opt' only; 'opt/app' by '@opt/[a-c]*'.
    assert.equal(p.dirMode('opt'), 'all');
    assert.equal(p.dirMode('opt/app'), 'symlinks');
    assert.equal(p.dirMode('opt/zed'), 'all');
    // A rule names directories: a file's protection is its directory's.
    assert.equal(new ProtectedPaths(parseProtectedPaths(['+usr/share/x.conf'])).fileMode('usr/share/x.conf'), 'none');
  });

  it('fnmatch: *, ?, classes with ! and ^, escapes; never across a slash', () => {
    assert.equal(fnmatchComponent('a*', 'abc'), true);
    assert.equal(fnmatchComponent('a?c', 'abc'), true);
    assert.equal(fnmatchComponent('[!a]bc', 'abc'), false);
    assert.equal(fnmatchComponent('[^x]bc', 'abc'), true);
    assert.equal(fnmatchComponent('\\*', '*'), true);
    assert.equal(fnmatchComponent('\\*', 'a'), false);
    assert.equal(fnmatchComponent('a.c', 'abc'), false);
  });

  const base = tempRoot('protected-paths');
  after(() => rmSync(base, { recursive: true, force: true }));

  it("reads the root's etc/apk/protected_paths.d/*.list after the built-in rules, never through a link", () => {
    const root = join(base, 'r1');
    mkdirSync(join(root, 'etc/apk/protected_paths.d'), { recursive: true });
    writeFileSync(join(root, 'etc/apk/protected_paths.d/b.list'), '-etc/init.d\n');
    writeFileSync(join(root, 'etc/apk/protected_paths.d/a.list'), 'opt\n');
    writeFileSync(join(root, 'etc/apk/protected_paths.d/c.txt'), '+usr\n');
    writeFileSync(join(base, 'outside.list'), '+var\n');
    symlinkSync(join(base, 'outside.list'), join(root, 'etc/apk/protected_paths.d/d.list'));
    const p = new ProtectedPaths(readProtectedPaths(root));
    assert.equal(p.dirMode('etc/init.d'), 'ignore');
    assert.equal(p.dirMode('opt'), 'changed');
    assert.equal(p.dirMode('usr'), 'none');
    assert.equal(p.dirMode('var'), 'none');
    assert.deepEqual(readProtectedPaths(join(base, 'missing')).length, 3);
  });
});

describe('decisions under a protected directory', () => {
  it('upgrade: unchanged → replace; changed or unowned → .apk-new, or keep when identical or --clean-protected', () => {
    assert.equal(configDecision(undefined, 'Q1a', 'Q1b'), 'replace');
    assert.equal(configDecision('Q1a', 'Q1a', 'Q1b'), 'replace');
    assert.equal(configDecision('Q1x', 'Q1a', 'Q1b'), 'apk-new');
    assert.equal(configDecision('Q1x', undefined, 'Q1b'), 'apk-new');
    assert.equal(configDecision('Q1a', '', 'Q1b'), 'apk-new');
    assert.equal(configDecision('Q1b', 'Q1a', 'Q1b'), 'keep');
    assert.equal(configDecision('Q1x', 'Q1a', 'Q1b', true), 'keep');
  });

  it('removal: unprotected or --purge → delete; protected only when the record has a checksum the disk matches', () => {
    assert.equal(removeDecision(false, false, 'Q1x', 'Q1a'), true);
    assert.equal(removeDecision(true, true, 'Q1x', 'Q1a'), true);
    assert.equal(removeDecision(true, false, 'Q1a', 'Q1a'), true);
    assert.equal(removeDecision(true, false, 'Q1x', 'Q1a'), false);
    assert.equal(removeDecision(true, false, 'Q1a', ''), false);
  });
});
