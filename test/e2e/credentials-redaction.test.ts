/**
 * Issue 11 follow-up F5: a password in a repository URL never reaches a message, whatever it holds
 * (raw `#`, `/`, `?`), and the message says to percent-encode such characters.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { redactCredentials, splitUrlCredentials } from '../../src/net/index.js';
import { runCli } from '../helpers/cli.js';

const work = mkdtempSync(join(tmpdir(), 'lupine-redact-'));
after(() => rmSync(work, { recursive: true, force: true }));

describe('credentials in repository URLs are redacted from messages (issue 11 follow-up F5)', () => {
  it('redactCredentials strips everything up to the last @ of the authority', () => {
    assert.equal(redactCredentials('http://user:SECRET@host/r'), 'http://host/r');
    assert.equal(redactCredentials("'http://user:pa#SECRET@host/r' is bad"), "'http://host/r' is bad");
    assert.equal(
      redactCredentials('see https://u:a/b?c@d@host:8080/x and file:///p'),
      'see https://host:8080/x and file:///p',
    );
    assert.equal(redactCredentials('http://host/r'), 'http://host/r');
  });

  for (const url of [
    'http://user:SECRET@127.0.0.1:99999/r',
    'http://user:pa#SECRET@127.0.0.1:1/r',
    'http://user:pa/SECRET@127.0.0.1:1/r',
    'http://user:pa?SECRET@127.0.0.1:1/r',
  ]) {
    it(`lupine apk -X '${url.replace('SECRET', 'S')}' add x: no password in the output`, async () => {
      const root = mkdtempSync(join(work, 'root-'));
      mkdirSync(join(root, 'etc'), { recursive: true });
      const r = await runCli(['apk', '--root', root, '--initdb', '--allow-untrusted', '-X', url, 'add', 'x']);
      assert.notEqual(r.code, 0);
      assert.doesNotMatch(r.stdout + r.stderr, /SECRET/, r.stdout + r.stderr);
    });
  }

  // Brief s4/A item 6: a raw `#` or `?` in the password is refused before any request, even when the
  // text before it parses as `host:port` (`user:12#…` would otherwise send a request to host "user").
  for (const url of [
    'http://user:pa#SECRET@127.0.0.1:1/r',
    'http://user:12#SECRET@127.0.0.1:1/r',
    'http://user:12?SECRET@127.0.0.1:1/r',
  ]) {
    it(`lupine apk -X '${url.replace('SECRET', 'S')}': refused as a bad line, nothing fetched`, async () => {
      const root = mkdtempSync(join(work, 'root-'));
      const r = await runCli(['apk', '--root', root, '--initdb', '--allow-untrusted', '-X', url, 'add', 'x']);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /REPO_BAD_LINE/, r.stderr);
      assert.match(r.stderr, /raw #/);
      assert.doesNotMatch(r.stderr, /REPO_UNREACHABLE|SECRET/, r.stderr);
    });
  }

  it('a bad line names percent-encoding', async () => {
    const root = mkdtempSync(join(work, 'root-'));
    const r = await runCli([
      'apk',
      '--root',
      root,
      '--initdb',
      '--allow-untrusted',
      '-X',
      'http://user:SECRET@127.0.0.1:99999/r',
      'add',
      'x',
    ]);
    assert.doesNotMatch(r.stdout + r.stderr, /SECRET/);
    assert.match(r.stderr, /percent-encode/);
  });
});

describe('raw #, / and ? in a password are split off as user-info (issue 11 follow-up F5)', () => {
  it('splitUrlCredentials and image show-config', async () => {
    const s = splitUrlCredentials('http://user:pa#SECRET@127.0.0.1:1/r');
    assert.equal(s.url, 'http://127.0.0.1:1/r');
    assert.equal(s.credential?.password, 'pa#SECRET');
    assert.equal(s.credential?.prefix, 'http://127.0.0.1:1/r');
    assert.equal(splitUrlCredentials('https://host:8080/p/@x').url, 'https://host:8080/p/@x');
    const dir = mkdtempSync(join(work, 'img-'));
    const cfg = join(dir, 'apko.yaml');
    writeFileSync(
      cfg,
      'contents:\n  repositories:\n    - http://user:pa#SECRET@127.0.0.1:1/r\n    - http://u2:x/SECRET3?y@127.0.0.1:1/r\n  packages: [tiny]\narchs: [x86_64]\n',
    );
    const r = await runCli(['image', 'show-config', cfg]);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stdout + r.stderr, /SECRET/, r.stdout);
    assert.match(r.stdout, /- http:\/\/127\.0\.0\.1:1\/r/);
  });
});
