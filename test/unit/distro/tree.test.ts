import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  buildGraph,
  hostPackageNames,
  loadDistroTree,
  RUNNER_ANNOTATION,
  recipeFiles,
} from '../../../src/distro/index.js';
import { loadImageConfig } from '../../../src/image/index.js';
import { compileLoadedRecipe, loadRecipe } from '../../../src/pkg/index.js';
import { repoRoot } from '../../helpers/paths.js';

const distro = join(repoRoot, 'distro');
const images = join(repoRoot, 'images');
const STAGE0 = [
  'bison',
  'build-base',
  'busybox-static',
  'glibc-bootstrap',
  'libgcc',
  'libstdc++',
  'nodejs',
  'perl',
  'python3-bootstrap',
];
const STAGE1 = [
  'busybox',
  'bzip2',
  'ca-certificates-bundle',
  'curl',
  'expat',
  'gawk',
  'glibc',
  'hello-server',
  'libffi',
  'lupine-baselayout',
  'ncurses',
  'node-app',
  'openssl',
  'python-3.13',
  'readline',
  'sqlite',
  'tzdata',
  'tzutils',
  'xz',
  'zlib',
  'zstd',
];

describe('the distro/ recipe tree', () => {
  it('every recipe compiles for x86_64 without a problem', async () => {
    const files = await recipeFiles(distro);
    assert.equal(files.length, STAGE0.length + STAGE1.length);
    for (const file of files) {
      const loaded = await loadRecipe(file, { pipelineDirs: [join(distro, 'pipelines')] });
      const r = compileLoadedRecipe(loaded, 'x86_64');
      assert.deepEqual(
        r.diagnostics.map((d) => `${d.file}:${d.line}: ${d.message}`),
        [],
        file,
      );
      assert.ok(r.recipe, file);
    }
  });

  it('stage 0 is the host-runner bootstrap, says so, and pins what it imports', async () => {
    const tree = await loadDistroTree(distro, { arch: 'x86_64' });
    const host = tree.nodes.filter((n) => n.runner === 'host').map((n) => n.name);
    assert.deepEqual(host.sort(), STAGE0);
    for (const name of STAGE0) {
      const r = tree.recipes.get(name);
      assert.ok(r, name);
      const main = r.packages[0];
      assert.equal(main?.annotations[RUNNER_ANNOTATION], 'host');
      assert.match(main?.description ?? '', /UNHERMETIC/, `${name} says it is unhermetic`);
      assert.match(r.vars['debian-packages'] ?? '', /^\S+=\S+/, `${name} records the exact Debian versions`);
      const imp = r.packages[0]?.pipeline.find((s) => s.uses === 'bootstrap/debian-import');
      assert.match(imp?.with?.['expected-sha256'] ?? '', /^[0-9a-f]{64}$/, `${name} records a sha256`);
      assert.ok(main?.test, `${name} has a test`);
      // dependencies between stage-0 packages come from SCA; build-base names one link-time need
      assert.deepEqual(main?.dependencies.runtime, name === 'build-base' ? ['libgcc'] : []);
    }
  });

  it('stage 1 is hermetic: bubblewrap, guests only from distro packages, each with a test', async () => {
    const tree = await loadDistroTree(distro, { arch: 'x86_64' });
    const graph = buildGraph(tree.nodes);
    for (const name of STAGE1) {
      const node = graph.nodes.get(name);
      assert.equal(node?.runner, 'bubblewrap', name);
      assert.ok(tree.recipes.get(name)?.packages[0]?.test, `${name} has a test`);
      for (const p of [...(node?.buildNeeds ?? []), ...(node?.testNeeds ?? [])]) {
        assert.ok(graph.makers.has(p), `${name} needs ${p}, made by a distro recipe`);
      }
    }
    assert.deepEqual([...(graph.deps.get('hello-server')?.keys() ?? [])], ['build-base', 'busybox']);
    assert.deepEqual([...(graph.deps.get('node-app')?.keys() ?? [])], ['busybox', 'nodejs']);
  });

  it('builds the bootstrap in an order where every test guest can be made', async () => {
    const tree = await loadDistroTree(distro, { arch: 'x86_64' });
    const order = buildGraph(tree.nodes).order;
    const at = (n: string) => order.indexOf(n);
    assert.equal(order[0], 'busybox-static');
    for (const lib of ['glibc', 'libgcc', 'libstdc++']) assert.ok(at(lib) < at('nodejs'), `${lib} before nodejs`);
    for (const lib of ['glibc-bootstrap', 'libgcc']) assert.ok(at(lib) < at('build-base'), `${lib} before build-base`);
    assert.ok(at('build-base') < at('hello-server'));
  });

  it('glibc is built from source and is the C library of every guest but the few that build it', async () => {
    const tree = await loadDistroTree(distro, { arch: 'x86_64' });
    const graph = buildGraph(tree.nodes);
    const glibc = tree.recipes.get('glibc')?.packages[0];
    assert.equal(graph.nodes.get('glibc')?.runner, 'bubblewrap');
    assert.ok(
      glibc?.pipeline.some((s) => s.uses === 'fetch'),
      'glibc fetches its upstream source',
    );
    // apk prefers glibc for the so: names both provide (a versioned so: provide makes them conflict)
    assert.ok((glibc?.dependencies.providerPriority ?? 0) > 0, 'glibc has a provider-priority');
    assert.equal(tree.recipes.get('glibc-bootstrap')?.packages[0]?.dependencies.providerPriority, undefined);
    // the stage-0 libc only where the source glibc cannot be yet: glibc's own build, its build
    // tools, and the tests of the toolchain it is built with
    const guests = [...graph.nodes.values()].map((n) => ({ name: n.name, needs: [...n.buildNeeds, ...n.testNeeds] }));
    const named = guests.filter((g) => g.needs.includes('glibc-bootstrap')).map((g) => g.name);
    // (and its own test, which installs the package under test)
    assert.deepEqual(named.sort(), [
      'bison',
      'build-base',
      'gawk',
      'glibc',
      'glibc-bootstrap',
      'libgcc',
      'python3-bootstrap',
    ]);
    // every other stage-1 guest holds build-base or busybox, which load the source glibc: after it
    const order = graph.order;
    for (const name of STAGE1.filter((n) => !['glibc', 'gawk'].includes(n))) {
      assert.ok(order.indexOf('glibc') < order.indexOf(name), `${name} after glibc`);
    }
  });
});

describe('the images/ catalog', () => {
  const files = readdirSync(images)
    .filter((f) => f.endsWith('.yaml'))
    .sort();

  it('holds the nine images', () => {
    assert.deepEqual(files, [
      'busybox.yaml',
      'curl.yaml',
      'hello.yaml',
      'node-app.yaml',
      'node-dev.yaml',
      'node.yaml',
      'python-dev.yaml',
      'python.yaml',
      'static.yaml',
    ]);
  });

  for (const f of files) {
    it(`${f} parses strictly and uses the distro's repository and key`, async () => {
      const loaded = await loadImageConfig(join(images, f));
      assert.deepEqual(
        loaded.diagnostics.map((d) => `${d.line}:${d.col} ${d.message}`),
        [],
      );
      const c = loaded.config;
      assert.ok(c);
      // the distro's repository at build time only: its path is the building machine's, so it is not
      // written to the image's /etc/apk/repositories
      assert.deepEqual(
        c.contents.buildRepositories.map((r) => r.url),
        ['out/packages'],
      );
      assert.deepEqual(c.contents.repositories, []);
      assert.deepEqual(c.contents.runtimeRepositories, []);
      assert.deepEqual(c.contents.keyring, [{ kind: 'uri', uri: 'out/keys/demo.rsa.pub' }]);
      const text = readFileSync(join(images, f), 'utf8');
      const dev = f === 'node-dev.yaml' || f === 'python-dev.yaml';
      const shell = f === 'busybox.yaml' || dev;
      assert.equal(
        c.contents.packages.some((p) => p.name === 'busybox'),
        shell,
        `${f}: a shell only where asked for`,
      );
      const nonroot = !dev;
      assert.equal(/run-as: "65532"/.test(text), nonroot, `${f}: nonroot unless a -dev image`);
      if (nonroot) {
        // the nonroot user owns its home (the base layout's /home/nonroot is root's)
        assert.ok(
          c.paths.some(
            (p) =>
              p.path === '/home/nonroot' && p.type === 'directory' && p.owner?.uid === 65532 && p.owner.gid === 65532,
          ),
          `${f}: /home/nonroot is 65532's`,
        );
      }
    });
  }

  it('asks only for packages the distro makes', async () => {
    const tree = await loadDistroTree(distro, { arch: 'x86_64' });
    const graph = buildGraph(tree.nodes);
    for (const f of files) {
      const c = (await loadImageConfig(join(images, f))).config;
      for (const p of c?.contents.packages ?? []) assert.ok(graph.makers.has(p.name), `${f}: ${p.name}`);
    }
  });
});

describe('stage-0 inputs', () => {
  it('include the host packages as installed, so an upgrade is noticed', async () => {
    const tree = await loadDistroTree(distro, { arch: 'x86_64' });
    for (const n of tree.nodes) {
      const host = tree.inputs.get(n.name)?.hostPackages;
      if (n.runner !== 'host') {
        assert.equal(host, undefined, n.name);
        continue;
      }
      const names = hostPackageNames(tree.recipes.get(n.name)?.vars['debian-packages'] ?? '');
      assert.ok(names.length > 0, n.name);
      // on a machine of this kind the host has exactly what the recipe pins (else its build fails too)
      const pinned = (tree.recipes.get(n.name)?.vars['debian-packages'] ?? '').split(/\s+/).filter((s) => s !== '');
      assert.equal(host, pinned.sort().join(' '), `${n.name}: installed vs pinned`);
    }
  });
});
