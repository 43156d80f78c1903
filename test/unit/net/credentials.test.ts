import assert from 'node:assert/strict';
import { test } from 'node:test';
import { credentialFor, splitUrlCredentials, stripUrlCredentials } from '../../../src/net/index.js';

test('splitUrlCredentials: user-info off, the rest as written, a credential for the prefix', () => {
  assert.deepEqual(splitUrlCredentials('https://u:p%40ss@host:8443/repo/main/'), {
    url: 'https://host:8443/repo/main/',
    credential: { prefix: 'https://host:8443/repo/main', user: 'u', password: 'p@ss' },
  });
  assert.deepEqual(splitUrlCredentials('https://host/repo'), { url: 'https://host/repo' });
  assert.deepEqual(splitUrlCredentials('./local/repo'), { url: './local/repo' });
  assert.equal(stripUrlCredentials('http://token@host'), 'http://host');
  assert.equal(stripUrlCredentials('http://a:b@[bad'), 'http://[bad');
});

test('credentialFor: longest prefix at a path boundary, then HTTP_AUTH by host', () => {
  const table = [
    { prefix: 'https://h/a', user: 'short', password: '1' },
    { prefix: 'https://h/a/b', user: 'long', password: '2' },
  ];
  assert.equal(credentialFor(new URL('https://h/a/b/x86_64/APKINDEX.tar.gz'), table)?.user, 'long');
  assert.equal(credentialFor(new URL('https://h/a/c'), table)?.user, 'short');
  assert.equal(credentialFor(new URL('https://h/ab'), table), undefined);
  assert.equal(credentialFor(new URL('https://other/a'), table), undefined);
  const auth = { host: 'other', user: 'env', password: '3' };
  assert.equal(credentialFor(new URL('https://other:444/a'), table, auth)?.user, 'env');
});
