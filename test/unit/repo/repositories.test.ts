import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isLupineError } from '../../../src/core/index.js';
import {
  checkRepositories,
  parseRepositories,
  repositoryIndexUrl,
  repositoryPackageUrl,
} from '../../../src/repo/index.js';
import { assertCodeSync } from '../../helpers/assert-code.js';

const FILE = [
  '# Alpine main and community',
  '',
  'https://dl-cdn.alpinelinux.org/alpine/v3.20/main',
  '  http://mirror.example.org/alpine/v3.20/community/  ',
  '@edge https://dl-cdn.alpinelinux.org/alpine/edge/main',
  '@testing\thttps://dl-cdn.alpinelinux.org/alpine/edge/testing',
  'file:///srv/repo',
  '/var/local/repo\r',
  '@local /var/local/repo',
  '   # an indented comment',
  'https://user:s3cret@apk.example.com/os',
  '',
].join('\n');

test('every form of /etc/apk/repositories line', () => {
  const repos = parseRepositories(FILE, 'repositories');
  assert.deepEqual(
    repos.map((r) => [r.url, r.tag, r.scheme, r.location, r.tags]),
    [
      ['https://dl-cdn.alpinelinux.org/alpine/v3.20/main', undefined, 'https', 'repositories:3:1', ['']],
      ['http://mirror.example.org/alpine/v3.20/community/', undefined, 'http', 'repositories:4:3', ['']],
      ['https://dl-cdn.alpinelinux.org/alpine/edge/main', 'edge', 'https', 'repositories:5:7', ['edge']],
      ['https://dl-cdn.alpinelinux.org/alpine/edge/testing', 'testing', 'https', 'repositories:6:10', ['testing']],
      ['file:///srv/repo', undefined, 'file', 'repositories:7:1', ['']],
      // listed twice: one repository, allowed untagged and under @local (apk ORs the tag masks)
      ['/var/local/repo', undefined, 'path', 'repositories:8:1', ['', 'local']],
      ['https://user:s3cret@apk.example.com/os', undefined, 'https', 'repositories:11:1', ['']],
    ],
  );
});

test('an empty file and a file of comments have no repositories', () => {
  assert.deepEqual(parseRepositories(''), []);
  assert.deepEqual(parseRepositories('# nothing\n\n#\n'), []);
});

test('apk separators: a tag may be followed by spaces, tabs or colons', () => {
  const [r] = parseRepositories('@edge: \thttps://x.example/edge\n');
  assert.equal(r?.tag, 'edge');
  assert.equal(r?.url, 'https://x.example/edge');
});

const BAD: [string, string, RegExp][] = [
  ['main\n', 'f:1:1', /neither a URL nor an absolute path/],
  ['https://ok.example/a\n  ftp://x.example/alpine\n', 'f:2:3', /unsupported URL scheme 'ftp:\/\/'/],
  ['@edge\n', 'f:1:6', /tag '@edge' has no repository URL/],
  ['@ https://x.example/a\n', 'f:1:1', /'@' without a tag name/],
  ['https://x.example/a # main\n', 'f:1:21', /unexpected text after the repository URL/],
  ['file://srv/repo\n', 'f:1:1', /not an absolute file:\/\/ URL/],
  ['https://[bad/x\n', 'f:1:1', /not a valid https URL/],
];

for (const [text, location, message] of BAD) {
  test(`bad line ${JSON.stringify(text.trim())} is REPO_BAD_LINE at ${location}`, () => {
    const err = assertCodeSync(() => parseRepositories(text, 'f'), 'REPO_BAD_LINE');
    assert.ok(isLupineError(err));
    assert.equal(err.details.location, location);
    assert.match(err.message, message);
    assert.ok(err.hint, 'a bad line carries a hint');
  });
}

test('every problem is reported in one run, with the good lines still parsed', () => {
  const text = 'relative/path\nhttps://good.example/a\n@\ngopher://x\n';
  const { repositories, problems } = checkRepositories(text, 'r');
  assert.deepEqual(
    repositories.map((r) => r.url),
    ['https://good.example/a'],
  );
  assert.deepEqual(
    problems.map((p) => p.location),
    ['r:1:1', 'r:3:1', 'r:4:1'],
  );
  const err = assertCodeSync(() => parseRepositories(text, 'r'), 'REPO_BAD_LINE');
  assert.match(err.message, /and 2 more problem/);
});

test('index and package URLs: arch directory, trailing slash, arch from A:', () => {
  assert.equal(
    repositoryIndexUrl('https://x.example/main/', 'x86_64'),
    'https://x.example/main/x86_64/APKINDEX.tar.gz',
  );
  assert.equal(repositoryIndexUrl('/srv/repo', 'aarch64'), '/srv/repo/aarch64/APKINDEX.tar.gz');
  assert.equal(
    repositoryPackageUrl('https://x.example/main', 'x86_64', { name: 'musl', version: '1.2.5-r0', arch: '' }),
    'https://x.example/main/x86_64/musl-1.2.5-r0.apk',
  );
  assert.equal(
    repositoryPackageUrl('https://x.example/main', 'x86_64', { name: 'ca', version: '1-r0', arch: 'noarch' }),
    'https://x.example/main/noarch/ca-1-r0.apk',
  );
});
