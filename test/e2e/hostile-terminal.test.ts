/**
 * Brief s4/A item 4: strings a package controls (description, file paths, script output) reach a
 * terminal through one sanitizer: no ESC, CSI or other control character gets out raw in human output,
 * while --json keeps the exact value (JSON escapes it).
 */
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { emptyPackageInfo, writePackage } from '../../src/apk/index.js';
import { termSafe } from '../../src/cli/term-safe.js';
import { fixedClock } from '../../src/core/index.js';
import { runCli } from '../helpers/cli.js';
import { tempRoot } from '../unit/install/fixtures.js';

const ESC_DESC = 'nice \x1b[2J\x1b]0;pwned\x07 package\x9b31m';
const ESC_PATH = 'usr/share/esc/\x1b[31mred\r';
// Raw terminal controls: C0 but tab and newline, DEL, C1.
const RAW_CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/;

describe('terminal escapes from package-controlled strings (brief s4/A item 4)', () => {
  const base = tempRoot('hostile-term');
  const apk = join(base, 'esc-1.0-r0.apk');
  before(() => {
    mkdirSync(base, { recursive: true });
    writeFileSync(
      apk,
      writePackage({
        files: [{ path: ESC_PATH, type: 'file', data: Buffer.from('x\n') }],
        info: { ...emptyPackageInfo('esc', '1.0-r0'), arch: 'x86_64', description: ESC_DESC },
        clock: fixedClock(1700000000),
      }),
    );
  });
  after(() => rmSync(base, { recursive: true, force: true }));

  it('termSafe shows controls as visible escapes and keeps text, tabs and newlines', () => {
    assert.equal(termSafe('a\tb\nc'), 'a\tb\nc');
    assert.equal(termSafe('x\x1b[31my'), 'x\\x1b[31my');
    assert.equal(termSafe('\r\x07\x7f\x9b'), '\\x0d\\x07\\x7f\\x9b');
    assert.equal(termSafe('bidi \u202e olleh'), 'bidi \\u202e olleh');
    assert.equal(termSafe('héllo ⟳ ✓'), 'héllo ⟳ ✓');
  });

  it('lupine inspect: the description and path are shown escaped; --json keeps them exact', async () => {
    const r = await runCli(['inspect', apk]);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stdout, RAW_CONTROL, JSON.stringify(r.stdout));
    assert.match(r.stdout, /nice \\x1b\[2J/);
    assert.match(r.stdout, /esc\/\\x1b\[31mred/);
    const j = await runCli(['inspect', '--json', apk]);
    assert.equal(j.code, 0, j.stderr);
    assert.equal(JSON.parse(j.stdout).info.description, ESC_DESC);
  });

  it('lupine apk info -d and -L on an installed root: escaped', async () => {
    const root = join(base, 'root');
    mkdirSync(root);
    const add = await runCli(['apk', '--root', root, '--initdb', '--allow-untrusted', 'add', apk]);
    assert.equal(add.code, 0, add.stderr);
    for (const flag of ['-d', '-L']) {
      const r = await runCli(['apk', '--root', root, 'info', flag, 'esc']);
      assert.equal(r.code, 0, r.stderr);
      assert.doesNotMatch(r.stdout + r.stderr, RAW_CONTROL, JSON.stringify(r.stdout));
      assert.match(r.stdout, /\\x1b\[/);
    }
    const s = await runCli(['apk', '--root', root, '--allow-untrusted', '-X', base, 'search', '-v', 'esc']);
    assert.doesNotMatch(s.stdout + s.stderr, RAW_CONTROL, JSON.stringify(s.stdout + s.stderr));
  });
});
