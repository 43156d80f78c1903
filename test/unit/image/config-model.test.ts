import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ALL_ARCHS,
  DEFAULT_ENVIRONMENT,
  type ImageConfig,
  mergeImageConfig,
  normalizeArchs,
  ociPlatform,
  parseGoInt,
  parseImageConfig,
  parsePackageSpec,
  parseRepositorySpec,
  renderDiagnostics,
  resolveImageConfig,
  showConfig,
  shlexSplit,
} from '../../../src/image/index.js';

function parse(yaml: string): ImageConfig {
  const r = parseImageConfig(yaml);
  assert.equal(renderDiagnostics(r.diagnostics.filter((d) => d.severity === 'error')), '');
  assert.ok(r.config);
  return r.config;
}

describe('include merge (apko MergeInto: the including file wins)', () => {
  const base = parse(`
contents:
  repositories: [https://base/repo/]
  build_repositories: [base-build]
  runtime_repositories: [base-runtime]
  keyring: [base.rsa.pub]
  packages: [base-pkg]
entrypoint: {command: /bin/base}
cmd: base-cmd
stop-signal: SIGQUIT
work-dir: /base
accounts:
  run-as: base
  users: [{username: base, uid: 1000}]
  groups: [{groupname: base, gid: 1000}]
archs: [amd64]
environment: {EXTRA: foo, VAR: foo}
annotations: {org.extra: foo, org.blah: foo}
paths: [{path: /base, type: directory}]
volumes: [/v1]
vcs-url: https://base@1
layering: {strategy: origin, budget: 3}
format: tar
certificates: {providers: [base-certs]}
`);
  const child = parse(`
contents:
  repositories: [https://child/repo]
  build_repositories: [child-build]
  runtime_repositories: [child-runtime]
  keyring: [child.rsa.pub]
  packages: [child-pkg]
cmd: child-cmd
accounts:
  users: [{username: child, uid: 1001}]
environment: {VAR: bar}
annotations: {org.blah: bar}
paths: [{path: /child, type: empty-file}]
volumes: [/v2]
`);
  const merged = mergeImageConfig(base, child);

  it('concatenates every contents list, base first', () => {
    assert.deepEqual(
      merged.contents.repositories.map((r) => r.url),
      ['https://base/repo', 'https://child/repo'],
    );
    assert.deepEqual(
      merged.contents.buildRepositories.map((r) => r.url),
      ['base-build', 'child-build'],
    );
    assert.deepEqual(
      merged.contents.runtimeRepositories.map((r) => r.url),
      ['base-runtime', 'child-runtime'],
    );
    assert.deepEqual(
      merged.contents.keyring.map((k) => (k.kind === 'uri' ? k.uri : '')),
      ['base.rsa.pub', 'child.rsa.pub'],
    );
    assert.deepEqual(
      merged.contents.packages.map((p) => p.raw),
      ['base-pkg', 'child-pkg'],
    );
  });

  it('takes scalars from the child when set, from the base otherwise', () => {
    assert.equal(merged.cmd, 'child-cmd');
    assert.equal(merged.stopSignal, 'SIGQUIT');
    assert.equal(merged.workDir, '/base');
    assert.deepEqual(merged.entrypoint, { command: '/bin/base' });
    assert.equal(merged.accounts.runAs, 'base');
    assert.deepEqual(merged.archs, ['amd64']);
    assert.equal(merged.vcsUrl, 'https://base@1');
    assert.deepEqual(merged.layering, { strategy: 'origin', budget: 3 });
    assert.equal(merged.format, 'tar');
    assert.deepEqual(merged.certificates?.providers, ['base-certs']);
  });

  it('merges environment and annotations per key, child wins', () => {
    assert.deepEqual(merged.environment, { EXTRA: 'foo', VAR: 'bar' });
    assert.deepEqual(merged.annotations, { 'org.extra': 'foo', 'org.blah': 'bar' });
  });

  it('concatenates users, groups, paths and volumes, base first', () => {
    assert.deepEqual(
      merged.accounts.users.map((u) => u.username),
      ['base', 'child'],
    );
    assert.deepEqual(
      merged.accounts.groups.map((g) => g.groupname),
      ['base'],
    );
    assert.deepEqual(
      merged.paths.map((p) => p.path),
      ['/base', '/child'],
    );
    assert.deepEqual(merged.volumes, ['/v1', '/v2']);
  });

  it('does not mutate its inputs', () => {
    assert.deepEqual(
      child.contents.packages.map((p) => p.raw),
      ['child-pkg'],
    );
    assert.deepEqual(base.environment, { EXTRA: 'foo', VAR: 'foo' });
  });
});

describe('resolve: apko defaults', () => {
  it('adds PATH and SSL_CERT_FILE only when unset', () => {
    assert.deepEqual(resolveImageConfig(parse('{}')).environment, DEFAULT_ENVIRONMENT);
    assert.deepEqual(DEFAULT_ENVIRONMENT, {
      PATH: '/usr/local/sbin:/usr/local/bin:/usr/bin:/usr/sbin:/sbin:/bin',
      SSL_CERT_FILE: '/etc/ssl/certs/ca-certificates.crt',
    });
    const env = resolveImageConfig(parse('environment: {PATH: /usr/bin, PORT: 8080, EMPTY: }')).environment;
    assert.deepEqual(env, {
      EMPTY: '',
      PATH: '/usr/bin',
      PORT: '8080',
      SSL_CERT_FILE: '/etc/ssl/certs/ca-certificates.crt',
    });
  });

  it('fills user gid, shell and homedir; rewrites run-as to the uid', () => {
    const r = resolveImageConfig(
      parse(
        'accounts:\n  run-as: app\n  users:\n    - {username: app, uid: 65532}\n    - {username: b, uid: 7, gid: 8, shell: /bin/bash, homedir: /srv}\n',
      ),
    );
    assert.deepEqual(r.accounts.users, [
      { username: 'app', uid: 65532, gid: 65532, shell: '/bin/sh', homedir: '/home/app' },
      { username: 'b', uid: 7, gid: 8, shell: '/bin/bash', homedir: '/srv' },
    ]);
    assert.equal(r.accounts.runAs, '65532');
    assert.equal(resolveImageConfig(parse('accounts: {run-as: 0}')).accounts.runAs, '0');
    assert.equal(resolveImageConfig(parse('accounts: {run-as: nobody}')).accounts.runAs, 'nobody');
  });

  it('gives each path type a sane mode and never a symlink one', () => {
    const r = resolveImageConfig(
      parse(`paths:
  - {path: /d/, type: directory}
  - {path: /f, type: empty-file, uid: 5}
  - {path: /h, type: hardlink, source: /f}
  - {path: /s, type: symlink, source: /f}
  - {path: /p, type: permissions, permissions: 0o1777, recursive: true}
  - {path: /o, type: permissions, gid: 9}
`),
    );
    assert.deepEqual(
      r.paths.map((p) => [p.path, p.permissions, p.owner]),
      [
        ['/d', 0o755, null],
        ['/f', 0o644, { uid: 5, gid: 0 }],
        ['/h', null, null],
        ['/s', null, null],
        ['/p', 0o1777, null],
        ['/o', null, { uid: 0, gid: 9 }],
      ],
    );
  });

  it('reads modes and ids with Go integer syntax, as apko (yaml.v3) does', () => {
    assert.equal(parseGoInt('0o755'), 0o755);
    assert.equal(parseGoInt('0755'), 0o755);
    assert.equal(parseGoInt('0x1ed'), 0o755);
    assert.equal(parseGoInt('0b111'), 7);
    assert.equal(parseGoInt('65_532'), 65532);
    assert.equal(parseGoInt('493'), 493);
    assert.equal(parseGoInt('0'), 0);
    assert.equal(parseGoInt('-1'), -1);
    assert.equal(parseGoInt('0789'), undefined);
    assert.equal(parseGoInt('1e3'), undefined);
    assert.equal(parseGoInt('ten'), undefined);
    const r = parse('paths: [{path: /a, type: directory, permissions: 0755}]');
    assert.equal(r.paths[0]?.permissions, 0o755);
  });
});

describe('archs', () => {
  it('normalises OCI and apk names to apk names, deduplicated, in apko order', () => {
    assert.deepEqual(normalizeArchs(['arm64', 'x86_64', 'amd64', 'arm/v7', '386']), [
      'x86',
      'x86_64',
      'armv7',
      'aarch64',
    ]);
    assert.deepEqual(normalizeArchs(['all']), [...ALL_ARCHS]);
    assert.equal(ALL_ARCHS.length, 9);
    assert.deepEqual(normalizeArchs([]), []);
  });

  it('accepts archs: [386] written as a YAML integer', () => {
    const r = resolveImageConfig(parse('archs: [386, loong64]'));
    assert.deepEqual(r.archs, ['x86', 'loongarch64']);
  });

  it('maps apk names to OCI platforms', () => {
    assert.deepEqual(ociPlatform('x86_64'), { os: 'linux', architecture: 'amd64' });
    assert.deepEqual(ociPlatform('armhf'), { os: 'linux', architecture: 'arm', variant: 'v6' });
    assert.deepEqual(ociPlatform('armv7'), { os: 'linux', architecture: 'arm', variant: 'v7' });
  });
});

describe('package and repository strings', () => {
  it('keeps the string and exposes exclusions, tags and constraints', () => {
    const p = (s: string) => {
      const r = parsePackageSpec(s);
      assert.ok(r.ok, s);
      const { raw, name, exclude, tag, op, version } = r.value;
      return { raw, name, exclude, tag, op, version };
    };
    assert.deepEqual(p('busybox'), {
      raw: 'busybox',
      name: 'busybox',
      exclude: false,
      tag: null,
      op: null,
      version: null,
    });
    assert.deepEqual(p('!openssl'), {
      raw: '!openssl',
      name: 'openssl',
      exclude: true,
      tag: null,
      op: null,
      version: null,
    });
    assert.deepEqual(p('alpine-baselayout@local'), {
      raw: 'alpine-baselayout@local',
      name: 'alpine-baselayout',
      exclude: false,
      tag: 'local',
      op: null,
      version: null,
    });
    assert.deepEqual(p('glibc=2.36-r3'), {
      raw: 'glibc=2.36-r3',
      name: 'glibc',
      exclude: false,
      tag: null,
      op: '=',
      version: '2.36-r3',
    });
    assert.equal(p('py3-numpy<2.0').op, '<');
    assert.equal(p('go~1.22').op, '~');
    assert.equal(p('foo@edge>=1.2').tag, 'edge');
    assert.equal(p('so:libc.musl-x86_64.so.1').name, 'so:libc.musl-x86_64.so.1');
    for (const bad of ['', '!', 'foo>=', '=1.0', 'a b', 'foo=abc', 'foo@', '!!foo', 'foo<>1']) {
      assert.equal(parsePackageSpec(bad).ok, false, bad);
    }
  });

  it('reads @tag repositories and trims trailing slashes', () => {
    const r = parseRepositorySpec('@local /github/workspace/packages/');
    assert.ok(r.ok);
    assert.deepEqual(r.value, {
      raw: '@local /github/workspace/packages/',
      tag: 'local',
      url: '/github/workspace/packages',
    });
    const plain = parseRepositorySpec('https://packages.wolfi.dev/os/');
    assert.ok(plain.ok);
    assert.equal(plain.value.url, 'https://packages.wolfi.dev/os');
    assert.equal(parseRepositorySpec('@local').ok, false);
    assert.equal(parseRepositorySpec('a b').ok, false);
  });
});

describe('shlex', () => {
  it('splits like google/shlex', () => {
    assert.deepEqual(shlexSplit('/bin/sh -c "echo hi"'), { ok: true, words: ['/bin/sh', '-c', 'echo hi'] });
    assert.deepEqual(shlexSplit(`a 'b c' d\\ e "f\\"g"`), { ok: true, words: ['a', 'b c', 'd e', 'f"g'] });
    assert.deepEqual(shlexSplit('  x  # comment\ny'), { ok: true, words: ['x', 'y'] });
    assert.deepEqual(shlexSplit(''), { ok: true, words: [] });
    assert.equal(shlexSplit('"open').ok, false);
    assert.equal(shlexSplit("'open").ok, false);
    assert.equal(shlexSplit('trailing\\').ok, false);
  });
});

describe('show-config round trip', () => {
  it('parses back to the same resolved config', () => {
    const yaml = `
contents:
  repositories: ['@local ./packages/', https://example.com/os]
  keyring: [k.rsa.pub, {name: m.rsa.pub, content: "-----BEGIN PUBLIC KEY-----\\nAA\\n-----END PUBLIC KEY-----\\n"}]
  packages: [a, '!b', c@local, d>=1.2]
entrypoint: {shell-fragment: "echo hi"}
stop-signal: 15
accounts:
  run-as: app
  users: [{username: app, uid: 65532}]
  groups: [{groupname: app, gid: 65532, members: [app]}]
archs: [arm64, amd64]
environment: {Z: last, A: first}
paths:
  - {path: /w, type: directory, permissions: 0o1777, uid: 65532, gid: 65532, recursive: true}
  - {path: /l, type: symlink, source: /w}
annotations: {b: 2, a: 1}
volumes: [/data]
layering: {strategy: origin, budget: 10}
format: tar
options:
  debug: {contents: {packages: {add: [bash]}}, environment: {DEBUG: 1}}
`;
    const first = parseImageConfig(yaml);
    assert.deepEqual(
      first.diagnostics.filter((d) => d.code !== 'IMAGE_CONFIG_DEPRECATED'),
      [],
    );
    assert.ok(first.config);
    const resolved = resolveImageConfig(first.config);
    const shown = showConfig(resolved);
    assert.match(shown, /permissions: 0o1777/);
    const again = parseImageConfig(shown);
    assert.ok(again.config);
    const back = resolveImageConfig(again.config);
    assert.deepEqual(showConfig(back), shown);
    assert.deepEqual(
      { ...back, contents: { ...back.contents, packages: [], repositories: [] } },
      { ...resolved, contents: { ...resolved.contents, packages: [], repositories: [] } },
    );
    assert.deepEqual(
      back.contents.packages.map((p) => p.raw),
      resolved.contents.packages.map((p) => p.raw),
    );
    assert.deepEqual(JSON.parse(showConfig(resolved, { format: 'json' })).paths[0].permissions, 0o1777);
  });
});
