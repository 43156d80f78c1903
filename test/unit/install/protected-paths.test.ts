/**
 * apk-tools 2.14's protected paths (`apk_db_add_protected_path`, `apk_db_dir_get`): mode characters,
 * per-directory fnmatch matching with the last matching rule winning, and the decisions for files
 * under protected directories on upgrade and removal.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
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
import { triggerMatches } from '../../../src/install/triggers-db.js';
import { assertCodeSync } from '../../helpers/assert-code.js';
import { tempRoot } from './fixtures.js';

/**
 * `expr` (with `f` bound to `name` from src/install/`file`) evaluated in a child process, as JSON; a
 * synchronous hang cannot be interrupted in this process, so the child is killed if it hangs.
 */
function inChild(file: string, name: string, expr: string): string {
  const mod = new URL(`../../../src/install/${file}`, import.meta.url).href;
  const code = `const { ${name}: f } = await import(${JSON.stringify(mod)}); console.log(JSON.stringify(${expr}));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.signal, null, `${name} did not finish`);
  return r.stdout.trim();
}

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

  // A root's list files are the root's (hostile) input: a pattern of many stars used to compile to a
  // backtracking regular expression that ran for hours against one directory name.
  it('fnmatch: many stars cannot make matching hang (a hostile protected_paths.d list)', () => {
    assert.equal(
      inChild(
        'protected-paths.js',
        'fnmatchComponent',
        "[f('*'.repeat(40) + 'x', 'x86_64-alpine-linux-musl-gcc-plugins'), f('*a'.repeat(30) + 'b', 'a'.repeat(60))]",
      ),
      '[false,false]',
    );
    assert.equal(fnmatchComponent(`${'*'.repeat(40)}s`, 'x86_64-alpine-linux-musl-gcc-plugins'), true);
    assert.equal(fnmatchComponent('*[0-9]?*.d', 'conf9x.d'), true);
    assert.equal(fnmatchComponent('*[0-9]?*.d', 'confx.d'), false);
    assert.equal(fnmatchComponent('a*b*c', 'abc'), true);
    assert.equal(fnmatchComponent('a*b*c', 'acb'), false);
    assert.equal(fnmatchComponent('*', ''), true);
    assert.equal(fnmatchComponent('?', ''), false);
    assert.equal(fnmatchComponent('[z-a]', 'z'), false);
  });

  const base = tempRoot('protected-paths');
  after(() => rmSync(base, { recursive: true, force: true }));

  it('a list file larger than 1 MiB in the root is LIMIT_EXCEEDED (a 3 GB one was an internal error)', () => {
    const root = join(base, 'huge');
    mkdirSync(join(root, 'etc/apk/protected_paths.d'), { recursive: true });
    const list = join(root, 'etc/apk/protected_paths.d/huge.list');
    writeFileSync(list, '-etc\n');
    truncateSync(list, 64 * 1024 * 1024);
    const err = assertCodeSync(() => readProtectedPaths(root), 'LIMIT_EXCEEDED');
    assert.match(err.message, /etc\/apk\/protected_paths\.d\/huge\.list/);
  });

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

// A package's trigger globs (.PKGINFO `triggers`) are matched with the same walk: a hostile package's
// glob of many stars used to hang the commit the same way.
describe('trigger globs', () => {
  it('match path by path with fnmatch, never across a slash, and many stars cannot hang', () => {
    assert.equal(
      inChild(
        'triggers-db.js',
        'triggerMatches',
        "f('/usr/lib/' + '*'.repeat(40) + 'x', 'usr/lib/x86_64-alpine-linux-musl-gcc')",
      ),
      'false',
    );
    assert.equal(triggerMatches('/usr/share/fonts/*', 'usr/share/fonts/misc'), true);
    assert.equal(triggerMatches('/usr/share/fonts/*', 'usr/share/fonts/misc/x'), false);
    assert.equal(triggerMatches('/usr/lib/gdk-pixbuf-2.0/*/loaders', 'usr/lib/gdk-pixbuf-2.0/2.10.0/loaders'), true);
    assert.equal(triggerMatches('/lib/modules/[0-9]*', 'lib/modules/6.1.0'), true);
    assert.equal(triggerMatches('/usr/lib/*', 'usr/lib'), false);
  });
});
