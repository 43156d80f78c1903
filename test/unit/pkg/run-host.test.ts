/**
 * The host runner (bootstrapping): the step compiles C with the host's gcc. SCA on what it built: a
 * dynamically linked program, a shared library with a SONAME, a shebang script and a `.pc` file
 * give the expected so:, cmd: and pc: lines in `.PKGINFO`; every step says it is unhermetic.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readPackage } from '../../../src/apk/index.js';
import { readGzipMembers, readTar } from '../../../src/archive/index.js';
import { buildRecipe } from '../../../src/pkg/index.js';
import { readApkIndexArchive } from '../../../src/repo/index.js';

const RECIPE = `package:
  name: hostc
  version: 0.9.1
  epoch: 2
  description: C built with the host's compiler
  copyright:
    - license: BSD-2-Clause
    - license: MIT
pipeline:
  - name: compile
    runs: |
      d=\${{targets.destdir}}
      mkdir -p $d/usr/bin $d/usr/lib/pkgconfig
      gcc -O2 -shared -fPIC -Wl,-soname,libgreet.so.1 -o $d/usr/lib/libgreet.so.1.2.3 greet.c
      ln -s libgreet.so.1.2.3 $d/usr/lib/libgreet.so.1
      gcc -O2 -o $d/usr/bin/hostc main.c -L$d/usr/lib -l:libgreet.so.1.2.3 -lm
      printf '#!/usr/bin/env perl\\nprint "hi\\\\n";\\n' > $d/usr/bin/hostc-report
      chmod 0755 $d/usr/bin/hostc-report
      printf 'prefix=/usr\\nName: greet\\nDescription: greetings\\nVersion: 0.9.1\\nRequires: zlib\\nLibs: -lgreet\\n' > $d/usr/lib/pkgconfig/greet.pc
`;

describe('buildRecipe with the host runner', () => {
  let base = '';
  let recipe = '';
  before(() => {
    base = mkdtempSync(join(tmpdir(), 'lupine-run-host-'));
    const dir = join(base, 'hostc');
    mkdirSync(dir);
    recipe = join(dir, 'hostc.yaml');
    writeFileSync(recipe, RECIPE);
    writeFileSync(join(dir, 'greet.c'), '#include <stdio.h>\nvoid greet(void) { puts("hello"); }\n');
    writeFileSync(
      join(dir, 'main.c'),
      '#include <math.h>\nvoid greet(void);\nint main(int c, char **v) { (void)v; greet(); return (int)sqrt((double)c); }\n',
    );
  });
  after(() => rmSync(base, { recursive: true, force: true }));

  it('compiles with the host gcc; SCA finds so:, cmd: and pc: depends and provides', async () => {
    const lines: string[] = [];
    const logger = {
      info: (m: string) => lines.push(m),
      warn: (m: string) => lines.push(`W ${m}`),
      debug: () => undefined,
    };
    const r = await buildRecipe(recipe, {
      arch: 'x86_64',
      outDir: join(base, 'out'),
      runner: 'host',
      repositories: [],
      keys: [],
      packageCacheDir: join(base, 'cache'),
      namespace: 'bootstrap',
      gitCommit: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
      logger,
    });
    assert.equal(r.packages.length, 1);
    assert.deepEqual(r.guest, []);
    assert.ok(
      lines.some((l) => /unhermetic/.test(l)),
      'the host runner says it is unhermetic',
    );
    const bytes = readFileSync(r.packages[0]?.path as string);
    const control = readGzipMembers(bytes)[0];
    assert.ok(control);
    const pkginfo =
      readTar(control.data, { mode: 'fragment' })
        .items.find((i) => i.entry.name === '.PKGINFO')
        ?.data.toString('utf8') ?? '';
    const body = pkginfo.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
    const depends = body.filter((l) => l.startsWith('depend = ')).map((l) => l.slice(9));
    const provides = body.filter((l) => l.startsWith('provides = ')).map((l) => l.slice(11));
    assert.deepEqual(depends, ['cmd:perl', 'pc:zlib', 'so:ld-linux-x86-64.so.2', 'so:libc.so.6', 'so:libm.so.6']);
    assert.deepEqual(provides, [
      'cmd:hostc-report=0.9.1-r2',
      'cmd:hostc=0.9.1-r2',
      'pc:greet=0.9.1-r2',
      'so-ver:libgreet.so.1=0.9.1-r2',
      'so:libgreet.so.1=1',
    ]);
    assert.deepEqual(
      body.filter((l) => /^(pkgname|pkgver|origin|commit|maintainer|license|builddate) =/.test(l)),
      [
        'pkgname = hostc',
        'pkgver = 0.9.1-r2',
        'origin = hostc',
        'commit = aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
        'maintainer = bootstrap',
        'license = BSD-2-Clause',
        'license = MIT',
      ],
      'no builddate when SOURCE_DATE_EPOCH is 0',
    );
    const pkg = readPackage(bytes);
    assert.equal(pkg.signatures.length, 0, 'no signing key: unsigned');
    const so = pkg.files.find((f) => f.name === 'usr/lib/libgreet.so.1');
    assert.equal(so?.type, 'symlink');
    const sbom = JSON.parse(
      pkg.files.find((f) => f.name === 'var/lib/db/sbom/hostc-0.9.1-r2.spdx.json')?.content.toString() ?? '{}',
    ) as { packages: Array<{ name: string; licenseDeclared?: string }> };
    assert.equal(sbom.packages.find((p) => p.name === 'hostc')?.licenseDeclared, 'BSD-2-Clause AND MIT');
  });

  it("records the recipe directory's clean git HEAD, --vars-file values and --build-date", async () => {
    const dir = join(base, 'gitrecipe');
    mkdirSync(dir);
    const file = join(dir, 'tagged.yaml');
    writeFileSync(
      file,
      `package:
  name: tagged
  version: "1.0"
  epoch: 0
  description: from a git checkout
  copyright:
    - license: MIT
vars:
  greeting: hello
pipeline:
  - runs: |
      mkdir -p \${{targets.destdir}}/usr/share/tagged
      echo "\${{vars.greeting}}" > \${{targets.destdir}}/usr/share/tagged/greeting
`,
    );
    writeFileSync(join(base, 'vars.yaml'), 'greeting: bonjour\n');
    const env = {
      PATH: process.env.PATH,
      HOME: dir,
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@e',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@e',
    };
    const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, env, encoding: 'utf8' }).trim();
    git('init', '-q');
    git('add', '.');
    git('commit', '-q', '-m', 'recipe');
    const head = git('rev-parse', 'HEAD');
    const build = (outDir: string) =>
      buildRecipe(file, {
        arch: 'x86_64',
        outDir,
        runner: 'host',
        repositories: [],
        keys: [],
        packageCacheDir: join(base, 'cache'),
        varsFile: join(base, 'vars.yaml'),
        buildDate: '2024-01-02T03:04:05Z',
        gitRepoUrl: 'https://github.com/example/recipes',
      });
    const info = async (outDir: string) => {
      const r = await build(outDir);
      return readPackage(readFileSync(r.packages[0]?.path as string));
    };
    const clean = await info(join(base, 'out-clean'));
    assert.equal(clean.info.commit, head);
    assert.equal(clean.info.buildTime, 1704164645);
    assert.equal(clean.files.find((f) => f.name === 'usr/share/tagged/greeting')?.content.toString(), 'bonjour\n');
    const sbom =
      clean.files.find((f) => f.name === 'var/lib/db/sbom/tagged-1.0-r0.spdx.json')?.content.toString() ?? '';
    assert.ok(sbom.includes(`pkg:github/example/recipes@${head}#tagged.yaml`), sbom);
    writeFileSync(file, `${readFileSync(file, 'utf8')}# a local edit\n`);
    const dirty = await info(join(base, 'out'));
    assert.equal(dirty.info.commit, '', 'a dirty work tree records no commit');
    const index = readApkIndexArchive(readFileSync(join(base, 'out', 'x86_64', 'APKINDEX.tar.gz')), {
      allowUntrusted: true,
    });
    assert.deepEqual(
      index.packages.map((p) => `${p.name}-${p.version}`).sort(),
      ['hostc-0.9.1-r2', 'tagged-1.0-r0'],
      'the index is merged with what the out-dir already had',
    );
  });
});
