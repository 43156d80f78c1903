import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Diagnostic, parseImageConfig, renderDiagnostics } from '../../../src/image/index.js';

type Expect = Pick<Diagnostic, 'severity' | 'code' | 'line' | 'col'> & { message?: RegExp; hint?: RegExp };

/** Each bad config gives exactly one diagnostic, with this code, at this line:col. */
const cases: { name: string; yaml: string; expect: Expect }[] = [
  {
    name: 'unknown key in contents, with did-you-mean',
    yaml: 'contents:\n  pakages:\n    - foo\n',
    expect: { severity: 'error', code: 'IMAGE_CONFIG_UNKNOWN_KEY', line: 2, col: 3, hint: /did you mean 'packages'\?/ },
  },
  {
    name: 'unknown top-level key, with did-you-mean',
    yaml: 'contents:\n  packages: [a]\nentrypont:\n  command: /bin/sh\n',
    expect: { severity: 'error', code: 'IMAGE_CONFIG_UNKNOWN_KEY', line: 3, col: 1, hint: /'entrypoint'/ },
  },
  {
    name: 'a key at the wrong level says where it belongs',
    yaml: 'contents:\n  repositories: [https://packages.wolfi.dev/os]\npackages:\n  - wolfi-base\n',
    expect: {
      severity: 'error',
      code: 'IMAGE_CONFIG_UNKNOWN_KEY',
      line: 3,
      col: 1,
      hint: /'packages' belongs under contents/,
    },
  },
  {
    name: 'underscore for dash is a typo too',
    yaml: 'work_dir: /app\n',
    expect: { severity: 'error', code: 'IMAGE_CONFIG_UNKNOWN_KEY', line: 1, col: 1, hint: /'work-dir'/ },
  },
  {
    name: 'stale accounts.recursive (aspnet-runtime) is rejected strictly',
    yaml: 'accounts:\n  run-as: 65532\n  recursive: true\n',
    expect: { severity: 'error', code: 'IMAGE_CONFIG_UNKNOWN_KEY', line: 3, col: 3 },
  },
  {
    name: 'a list where a string belongs',
    yaml: 'cmd:\n  - /bin/sh\n',
    expect: {
      severity: 'error',
      code: 'IMAGE_CONFIG_TYPE',
      line: 2,
      col: 3,
      message: /cmd: expected a string, got a list/,
    },
  },
  {
    name: 'a string where a list belongs',
    yaml: 'contents:\n  packages: busybox\n',
    expect: {
      severity: 'error',
      code: 'IMAGE_CONFIG_TYPE',
      line: 2,
      col: 13,
      message: /expected a list, got a string/,
    },
  },
  {
    name: 'a quoted uid',
    yaml: 'accounts:\n  users:\n    - username: app\n      uid: "10000"\n',
    expect: {
      severity: 'error',
      code: 'IMAGE_CONFIG_TYPE',
      line: 4,
      col: 12,
      message: /expected an integer, got a string/,
    },
  },
  {
    name: 'a mapping where a boolean belongs',
    yaml: 'paths:\n  - path: /a\n    type: directory\n    recursive: {x: 1}\n',
    expect: { severity: 'error', code: 'IMAGE_CONFIG_TYPE', line: 4, col: 16, message: /expected a boolean/ },
  },
  {
    name: 'path entry: unknown type, with did-you-mean',
    yaml: 'paths:\n  - path: /data\n    type: dir\n',
    expect: { severity: 'error', code: 'IMAGE_CONFIG_BAD_PATH', line: 3, col: 11, hint: /'directory'/ },
  },
  {
    name: 'path entry: symlink without source',
    yaml: 'paths:\n  - path: /bin/sh\n    type: symlink\n',
    expect: { severity: 'error', code: 'IMAGE_CONFIG_BAD_PATH', line: 2, col: 5, message: /needs a source/ },
  },
  {
    name: 'path entry: escapes the image',
    yaml: 'paths:\n  - path: /a/../../etc\n    type: directory\n',
    expect: { severity: 'error', code: 'IMAGE_CONFIG_BAD_PATH', line: 2, col: 11 },
  },
  {
    name: 'path entry: missing type',
    yaml: 'paths:\n  - path: /data\n    permissions: 0o755\n',
    expect: {
      severity: 'error',
      code: 'IMAGE_CONFIG_MISSING',
      line: 2,
      col: 5,
      message: /missing required key 'type'/,
    },
  },
  {
    name: 'path entry: mode out of range',
    yaml: 'paths:\n  - path: /data\n    type: directory\n    permissions: 0o17777\n',
    expect: { severity: 'error', code: 'IMAGE_CONFIG_VALUE', line: 4, col: 18 },
  },
  {
    name: 'path entry: a decimal mode is a warning (apko reads it as decimal too)',
    yaml: 'paths:\n  - path: /data\n    type: directory\n    permissions: 755\n',
    expect: { severity: 'warning', code: 'IMAGE_CONFIG_VALUE', line: 4, col: 18, hint: /0o755/ },
  },
  {
    name: 'path entry: permissions on a symlink are ignored (never the target)',
    yaml: 'paths:\n  - path: /a\n    type: symlink\n    source: /b\n    permissions: 0o600\n',
    expect: {
      severity: 'warning',
      code: 'IMAGE_CONFIG_BAD_PATH',
      line: 5,
      col: 18,
      message: /never apply to its target/,
    },
  },
  {
    name: 'bad arch, with did-you-mean',
    yaml: 'archs:\n  - x86_64\n  - amd46\n',
    expect: { severity: 'error', code: 'IMAGE_CONFIG_BAD_ARCH', line: 3, col: 5, hint: /'amd64'/ },
  },
  {
    name: 'bad package string: operator without version',
    yaml: 'contents:\n  packages:\n    - busybox\n    - glibc>=\n',
    expect: { severity: 'error', code: 'IMAGE_CONFIG_BAD_PACKAGE', line: 4, col: 7 },
  },
  {
    name: 'bad package string: two packages in one entry',
    yaml: 'contents:\n  packages:\n    - "busybox curl"\n',
    expect: { severity: 'error', code: 'IMAGE_CONFIG_BAD_PACKAGE', line: 3, col: 7, message: /whitespace/ },
  },
  {
    name: 'bad package string: invalid version',
    yaml: 'contents:\n  packages:\n    - glibc=2.36-r3-bad\n',
    expect: {
      severity: 'error',
      code: 'IMAGE_CONFIG_BAD_PACKAGE',
      line: 3,
      col: 7,
      message: /not a valid apk version/,
    },
  },
  {
    name: 'user with uid 0',
    yaml: 'accounts:\n  users:\n    - username: root2\n      uid: 0\n',
    expect: { severity: 'error', code: 'IMAGE_CONFIG_VALUE', line: 4, col: 12, hint: /run-as: 0/ },
  },
  {
    name: 'unterminated quote in the entrypoint command',
    yaml: 'entrypoint:\n  command: /bin/sh -c "echo\n',
    expect: { severity: 'error', code: 'IMAGE_CONFIG_VALUE', line: 2, col: 12, message: /never closed/ },
  },
  {
    name: 'unknown entrypoint type',
    yaml: 'entrypoint:\n  type: service\n',
    expect: { severity: 'error', code: 'IMAGE_CONFIG_VALUE', line: 2, col: 9, hint: /'service-bundle'/ },
  },
  {
    name: 'unknown layering strategy',
    yaml: 'layering:\n  strategy: orign\n  budget: 10\n',
    expect: { severity: 'error', code: 'IMAGE_CONFIG_VALUE', line: 2, col: 13, hint: /'origin'/ },
  },
  {
    name: 'bad format',
    yaml: 'format: squashfs\n',
    expect: { severity: 'error', code: 'IMAGE_CONFIG_VALUE', line: 1, col: 9 },
  },
  {
    name: 'erofs cannot be combined with layering',
    yaml: 'format: erofs+zstd\nlayering: {strategy: origin, budget: 2}\n',
    expect: { severity: 'error', code: 'IMAGE_CONFIG_VALUE', line: 1, col: 9, message: /layering/ },
  },
  {
    name: 'with a base image only contents, archs and include may be set',
    yaml: 'contents:\n  baseimage: {image: ./base, apkindex: ./idx}\ncmd: /bin/sh\n',
    expect: { severity: 'error', code: 'IMAGE_CONFIG_VALUE', line: 3, col: 6, message: /baseimage/ },
  },
  {
    name: 'two certificates in one additional entry',
    yaml: `certificates:\n  additional:\n    - name: two\n      content: |\n${'        -----BEGIN CERTIFICATE-----\n        AA==\n        -----END CERTIFICATE-----\n'.repeat(2)}`,
    expect: { severity: 'error', code: 'IMAGE_CONFIG_VALUE', line: 4, col: 16, message: /exactly one/ },
  },
  {
    name: 'runtime key entry with a URI is not accepted',
    yaml: 'contents:\n  runtime_keyring:\n    - https://example.com/k.rsa.pub\n',
    expect: { severity: 'error', code: 'IMAGE_CONFIG_TYPE', line: 3, col: 7, message: /expected a mapping/ },
  },
  {
    name: 'duplicate key',
    yaml: 'cmd: /bin/sh\ncmd: /bin/bash\n',
    expect: { severity: 'error', code: 'IMAGE_CONFIG_SYNTAX', line: 2, col: 1, message: /already defined at line 1/ },
  },
  {
    name: 'YAML syntax error',
    yaml: 'contents:\n  packages: [a, b\narchs: [x86_64]\n',
    expect: { severity: 'error', code: 'IMAGE_CONFIG_SYNTAX', line: 3, col: 1 },
  },
  {
    name: 'deprecated os-release is carried with a warning',
    yaml: 'os-release:\n  name: Wolfi\n',
    expect: { severity: 'warning', code: 'IMAGE_CONFIG_DEPRECATED', line: 1, col: 1 },
  },
];

describe('bad configs: exactly one clear diagnostic at the right line:col', () => {
  for (const c of cases) {
    it(c.name, () => {
      const { diagnostics } = parseImageConfig(c.yaml, { file: 'bad.yaml' });
      assert.equal(diagnostics.length, 1, renderDiagnostics(diagnostics));
      const d = diagnostics[0] as Diagnostic;
      assert.deepEqual(
        { severity: d.severity, code: d.code, line: d.line, col: d.col },
        { severity: c.expect.severity, code: c.expect.code, line: c.expect.line, col: c.expect.col },
      );
      assert.equal(d.file, 'bad.yaml');
      if (c.expect.message) assert.match(d.message, c.expect.message);
      if (c.expect.hint) assert.match(d.hint ?? '', c.expect.hint);
    });
  }
});

describe('all problems at once', () => {
  it('reports every problem of a file in one run, in source order', () => {
    const yaml = [
      'contents:',
      '  pakages: [busybox]',
      '  packages: ["a b"]',
      'cmd: [x]',
      'archs: [amd46, arm64]',
      'paths:',
      '  - path: /a',
      '    type: hardlink',
      'accounts:',
      '  users:',
      '    - username: x',
      '      uid: "1"',
    ].join('\n');
    const { diagnostics } = parseImageConfig(yaml, { file: 'many.yaml' });
    assert.deepEqual(diagnostics.map((d) => `${d.line}:${d.col} ${d.code}`).sort(), [
      '12:12 IMAGE_CONFIG_TYPE',
      '2:3 IMAGE_CONFIG_UNKNOWN_KEY',
      '3:14 IMAGE_CONFIG_BAD_PACKAGE',
      '4:6 IMAGE_CONFIG_TYPE',
      '5:9 IMAGE_CONFIG_BAD_ARCH',
      '7:5 IMAGE_CONFIG_BAD_PATH',
    ]);
  });

  it('renders file:line:col: severity[CODE]: message and an indented hint', () => {
    const { diagnostics } = parseImageConfig('contents:\n  pakages: [a]\n', { file: 'x/apko.yaml' });
    assert.equal(
      renderDiagnostics(diagnostics),
      "x/apko.yaml:2:3: error[IMAGE_CONFIG_UNKNOWN_KEY]: unknown key 'pakages' in contents\n  hint: did you mean 'packages'?\n",
    );
  });
});

describe('hostile documents', () => {
  it('stops expanding aliases and merge keys at a bound, with one diagnostic', () => {
    let yaml = 'x0: &m0 {command: a, type: service-bundle}\n';
    for (let i = 1; i <= 8; i++)
      yaml += `x${i}: &m${i}\n  <<: [${Array(10)
        .fill(`*m${i - 1}`)
        .join(', ')}]\n`;
    yaml += 'entrypoint: *m8\n';
    const errors = parseImageConfig(yaml, { lenient: true }).diagnostics.filter((d) => d.severity === 'error');
    assert.deepEqual(
      errors.map((d) => d.code),
      ['IMAGE_CONFIG_SYNTAX'],
    );
    assert.match(errors[0]?.message ?? '', /expands to more than/);
  });
});

describe('lenient mode', () => {
  it('turns unknown keys into warnings and keeps the rest of the config', () => {
    const yaml = 'contents:\n  packages: [busybox]\naccounts:\n  run-as: 65532\n  recursive: true\n';
    const strict = parseImageConfig(yaml);
    assert.equal(strict.diagnostics[0]?.severity, 'error');
    const lenient = parseImageConfig(yaml, { lenient: true });
    assert.deepEqual(
      lenient.diagnostics.map((d) => [d.severity, d.code, d.line, d.col]),
      [['warning', 'IMAGE_CONFIG_UNKNOWN_KEY', 5, 3]],
    );
    assert.equal(lenient.config?.accounts.runAs, '65532');
    assert.deepEqual(
      lenient.config?.contents.packages.map((p) => p.name),
      ['busybox'],
    );
  });

  it('does not relax type errors', () => {
    const { diagnostics } = parseImageConfig('cmd: [a]\n', { lenient: true });
    assert.equal(diagnostics[0]?.severity, 'error');
  });
});
