/**
 * CPython 3.13 from source (distro/python-3.13.yaml) and the python and python-dev images, run for
 * real under runc from the run's shared distro tree (test/helpers/distro-tree.ts): the python image
 * imports every module built against the distro's libraries, names our OpenSSL, trusts the CA
 * bundle by default, resolves Asia/Tokyo, runs as nonroot and writes its home; python-dev installs
 * a wheel this test builds from a local directory, offline (the container has no network).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { copySharedTree, sharedDistroTree } from '../helpers/distro-tree.js';
import { buildTreeImage, imageBundles } from '../helpers/image-bundles.js';
import { repoRoot } from '../helpers/paths.js';

const ok = (cmd: string, args: string[]) => spawnSync(cmd, args, { encoding: 'utf8' }).status === 0;
const canBuild = ok('bwrap', ['--version']) && ok('dpkg-query', ['-W', 'busybox-static', 'gcc-12', 'libc6-dev']);
const canRun = canBuild && process.getuid?.() === 0 && ok('runc', ['--version']) && ok('umoci', ['--version']);
const runSkip = !canRun && 'needs root, runc and umoci';

/** A `package.` field of a recipe in the checkout's distro/ (`version`, `epoch`). */
const recipeField = (name: string, key: string) =>
  new RegExp(`^ {2}${key}: "?([^"\\n]+)"?$`, 'm').exec(
    readFileSync(join(repoRoot, 'distro', `${name}.yaml`), 'utf8'),
  )?.[1] ?? '';
/** The upstream version of a recipe (its `package.version`). */
const recipeVersion = (name: string) => recipeField(name, 'version');

/** The packages python-3.13.yaml makes, as Wolfi splits them. */
const PACKAGES = ['python-3.13', 'python-3.13-base', 'libpython-3.13', 'python-3.13-dev', 'py3.13-pip'];

describe('CPython 3.13 from source: the python and python-dev images', {
  skip: !canBuild && 'needs bwrap and the Debian packages of distro/README.md',
}, () => {
  let work: string;
  const containers: string[] = [];
  const sizes = new Map<string, number>();
  before(async () => {
    const tree = await sharedDistroTree();
    assert.equal(tree.build.code, 0, tree.build.stderr);
    // the shared tree is read-only: images are built into a copy
    work = mkdtempSync(join(tmpdir(), 'lupine-python-'));
    copySharedTree(tree, work);
  });
  after(() => {
    for (const id of containers) spawnSync('runc', ['delete', '-f', id]);
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test('the recipe built and tested every package', () => {
    const log = readFileSync(join(work, 'out/packages/logs/python-3.13.log'), 'utf8');
    assert.match(log, /test block of .* passed/);
    const version = `${recipeVersion('python-3.13')}-r${recipeField('python-3.13', 'epoch')}`;
    for (const name of PACKAGES) {
      assert.ok(existsSync(join(work, 'out/packages/x86_64', `${name}-${version}.apk`)), name);
    }
  });

  test('both images build; python is within 30 MB compressed, with no shell and no pip', async () => {
    for (const name of ['python', 'python-dev']) {
      const image = await buildTreeImage(work, name);
      sizes.set(name, image.size);
      const names = image.packages.map((p) => p.replace(/=.*/, ''));
      assert.ok(names.includes('python-3.13-base') && names.includes('libpython-3.13'), names.join(' '));
      assert.equal(names.includes('busybox'), name === 'python-dev', `${name}: busybox`);
      assert.equal(names.includes('py3.13-pip'), name === 'python-dev', `${name}: pip`);
    }
    assert.ok((sizes.get('python') ?? Infinity) <= 30e6, `python: ${sizes.get('python')} bytes compressed`);
  });

  /** Each image unpacked once (umoci); each run gets its own container id. */
  const bundle = imageBundles(() => work);

  /** Runs `args` in the image as its config says (user, working directory; its own network namespace). */
  function run(name: string, args: string[]): string {
    const dir = bundle(name);
    const config = join(dir, 'config.json');
    const spec = JSON.parse(readFileSync(config, 'utf8'));
    spec.process.terminal = false;
    spec.process.args = args;
    writeFileSync(config, JSON.stringify(spec));
    const id = `lupine-python-${process.pid}-${containers.length}`;
    containers.push(id);
    const r = spawnSync('runc', ['run', '--bundle', dir, id], { encoding: 'utf8', input: '' });
    assert.equal(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  }

  test('python: the modules, our OpenSSL, the CA bundle by default, Asia/Tokyo, nonroot writing its home', {
    skip: runSkip,
  }, () => {
    const rootfs = join(bundle('python'), 'rootfs');
    assert.throws(() => lstatSync(join(rootfs, 'bin/sh')), /ENOENT/, 'no shell');
    assert.throws(() => lstatSync(join(rootfs, 'usr/bin/pip3')), /ENOENT/, 'no pip');
    const script = [
      'import ssl, sqlite3, zlib, lzma, bz2, ctypes, json, zoneinfo, readline, pyexpat',
      'import datetime, os, pathlib',
      'print(ssl.OPENSSL_VERSION)',
      'print(len(ssl.create_default_context().get_ca_certs()))',
      'print(datetime.datetime(2026, 1, 1, tzinfo=zoneinfo.ZoneInfo("Asia/Tokyo")).utcoffset())',
      'print(os.getuid(), os.getcwd(), pathlib.Path.home())',
      'pathlib.Path.home().joinpath("written").write_text("lupine")',
      'print(pathlib.Path("written").read_text())',
      'print(sqlite3.connect(":memory:").execute("select sqlite_version()").fetchone()[0] != "")',
    ].join('\n');
    const [openssl, roots, tokyo, who, written, sqlite] = run('python', ['/usr/bin/python3', '-c', script])
      .trim()
      .split('\n');
    assert.match(openssl ?? '', new RegExp(`^OpenSSL ${recipeVersion('openssl').replaceAll('.', '\\.')} `));
    assert.ok(Number(roots) >= 130, `${roots} roots from the default context`);
    assert.equal(tokyo, '9:00:00');
    assert.equal(who, '65532 /home/nonroot /home/nonroot');
    assert.equal(written, 'lupine');
    assert.equal(sqlite, 'True');
  });

  test('python-dev: pip installs a wheel built from a local directory, offline, as root', { skip: runSkip }, () => {
    const rootfs = join(bundle('python-dev'), 'rootfs');
    // a tiny pure-Python project, made into a wheel by hand (a zip with METADATA, WHEEL and
    // RECORD): 3.13's ensurepip bundles no setuptools, and the container has no network
    const project = join(rootfs, 'root/hello-project');
    mkdirSync(join(project, 'lupine_hello'), { recursive: true });
    writeFileSync(join(project, 'lupine_hello/__init__.py'), 'def greet():\n    return "hello from a wheel"\n');
    writeFileSync(
      join(project, 'make_wheel.py'),
      `import base64, hashlib, pathlib, zipfile
name, version = "lupine_hello", "1.0"
info = f"{name}-{version}.dist-info"
files = {f"{name}/__init__.py": pathlib.Path(f"{name}/__init__.py").read_bytes(),
         f"{info}/METADATA": f"Metadata-Version: 2.1\\nName: lupine-hello\\nVersion: {version}\\n".encode(),
         f"{info}/WHEEL": b"Wheel-Version: 1.0\\nGenerator: lupine-test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n"}
def digest(data):
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
record = "".join(f"{p},{digest(d)},{len(d)}\\n" for p, d in files.items()) + f"{info}/RECORD,,\\n"
wheel = pathlib.Path("dist") / f"{name}-{version}-py3-none-any.whl"
wheel.parent.mkdir(exist_ok=True)
with zipfile.ZipFile(wheel, "w") as z:
    for p, d in files.items():
        z.writestr(p, d)
    z.writestr(f"{info}/RECORD", record)
print(wheel)
`,
    );
    const out = run('python-dev', [
      '/bin/sh',
      '-c',
      [
        'set -e',
        'cd /root/hello-project',
        'python3 make_wheel.py',
        'pip install --no-index --disable-pip-version-check --root-user-action=ignore -q dist/lupine_hello-1.0-py3-none-any.whl',
        'cd /',
        'python3 -c "import lupine_hello; print(lupine_hello.greet())"',
        'pip list --disable-pip-version-check 2>/dev/null | grep -i "^lupine-hello "',
        'id -u',
      ].join('\n'),
    ]);
    assert.equal(
      out.replace(/ +/g, ' '),
      'dist/lupine_hello-1.0-py3-none-any.whl\nhello from a wheel\nlupine-hello 1.0\n0\n',
    );
    // apk's installed database lists the packages (what `lupine scan` reads)
    const installed = readFileSync(join(rootfs, 'lib/apk/db/installed'), 'utf8');
    for (const name of PACKAGES) {
      assert.match(installed, new RegExp(`^P:${name.replaceAll('.', '\\.')}$`, 'm'), name);
    }
  });
});
