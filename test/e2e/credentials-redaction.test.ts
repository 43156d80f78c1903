/**
 * Issue 11 follow-up F5: a password in a repository URL never reaches a message, whatever it holds
 * (raw `#`, `/`, `?`), and the message says to percent-encode such characters.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { redactCredentials } from '../../src/net/index.js';
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
