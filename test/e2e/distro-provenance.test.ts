/**
 * What the images/ catalog is made of (issue 12), checked on the test run's shared build of distro/
 * (test/helpers/distro-tree.ts, copied; every image built from it, SBOMs with `--sbom-path`):
 *
 * - imports: every ELF file of every image, and every library its DT_NEEDED entries and PT_INTERP
 *   resolve to inside the image, belongs to a package built from source (stage 1), except the
 *   short IMPORTS_ALLOWED list below. Stage 0 is read from distro/ (recipes annotated
 *   `dev.lupine.runner: host`), not listed here. The ELF files are read with lupine's own reader
 *   (src/pkg/sca/elf.ts), not the host's readelf. A tampered image (openssl's libraries relabelled
 *   as a stage-0 recipe's) shows the check fails.
 * - provenance: the SPDX document inside every .apk of a from-source recipe names its upstream
 *   source (the recipe's fetch uri as download location, the version, the tarball's checksum, the
 *   recipe's license); a stage-0 package says it was imported, not built from source; each image's
 *   SBOM carries the same for the packages it holds.
 * - shared libraries: libcurl and Python's zlib module need libz.so.1 (and libcurl libzstd.so.1),
 *   resolved in the images to the source-built zlib and zstd (not a static copy: a zlib fix reaches
 *   them).
 * - docs: no image carries manual pages, info manuals or docs (those are -doc packages).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type DistroTree, loadDistroTree } from '../../src/distro/index.js';
import { collectSources } from '../../src/pkg/index.js';
import { licenseExpression } from '../../src/pkg/run/outputs.js';
import type { PackageSource } from '../../src/sbom/index.js';
import { runCli } from '../helpers/cli.js';
import { copySharedTree, type SharedTree, sharedDistroTree, TREE_ENV } from '../helpers/distro-tree.js';
import { docFiles, fileOwners, scanElf, unpackImage } from '../helpers/image-rootfs.js';
import { repoRoot } from '../helpers/paths.js';

const ok = (cmd: string, args: string[]) => spawnSync(cmd, args, { encoding: 'utf8' }).status === 0;
const canBuild =
  ok('bwrap', ['--version']) && ok('dpkg-query', ['-W', 'busybox-static', 'gcc-12', 'libc6-dev', 'nodejs']);

/**
 * Stage-0 recipes (imported from the build machine, not built from source) whose files an image
 * may carry, and why. Keep it short: anything else imported that lands in an image fails the test.
 */
const IMPORTS_ALLOWED: Record<string, string> = {
  // a from-source Node.js build does not fit CI (distro/README.md): the node images ship Debian's
  nodejs: 'Node.js itself',
  // what nodejs links besides libc: the toolchain's C++ runtime and its unwinder
  'libstdc++': "nodejs's C++ runtime",
  libgcc: "libstdc++'s and nodejs's unwinder (libgcc_s)",
};

const catalog = readdirSync(join(repoRoot, 'images'))
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => f.slice(0, -5))
  .sort();

interface SpdxPackage {
  SPDXID: string;
  name: string;
  versionInfo?: string;
  description?: string;
  downloadLocation: string;
  licenseDeclared?: string;
  primaryPackagePurpose?: string;
  checksums?: { algorithm: string; checksumValue: string }[];
}
interface SpdxDoc {
  packages: SpdxPackage[];
  relationships: { spdxElementId: string; relationshipType: string; relatedSpdxElement: string }[];
}

/** The problems of one unpacked image: imported ELF files, and links to imports or to nothing. */
function importProblems(image: string, root: string, stage0: ReadonlySet<string>): string[] {
  const owners = fileOwners(root);
  const scan = scanElf(root);
  const problems: string[] = [];
  const imported = (file: string) => {
    const o = owners.get(file);
    if (!o) return `/${file} belongs to no package`;
    if (stage0.has(o.origin) && !(o.origin in IMPORTS_ALLOWED)) {
      return `/${file} is from ${o.name}, recipe ${o.origin}: stage 0, imported, not built from source`;
    }
    return undefined;
  };
  for (const file of scan.files) {
    const p = imported(file);
    if (p) problems.push(`${image}: ${p}`);
  }
  for (const l of scan.links) {
    if (l.resolved === undefined) {
      problems.push(`${image}: /${l.file} needs ${l.needed}, which is not in the image`);
      continue;
    }
    const p = imported(l.resolved);
    if (p) problems.push(`${image}: /${l.file} needs ${l.needed} → ${p}`);
  }
  return problems;
}

/** The SPDX document a package carries (var/lib/db/sbom/NAME-VERSION.spdx.json). */
function packageSbom(apk: string, name: string, version: string): SpdxDoc {
  const r = spawnSync('tar', ['-xzOf', apk, `var/lib/db/sbom/${name}-${version}.spdx.json`], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  assert.equal(r.status, 0, `${apk}: no SBOM: ${r.stderr}`);
  return JSON.parse(r.stdout) as SpdxDoc;
}

/**
 * The problems of a package's provenance in an SPDX document (a package's own, or an image's that
 * holds it): the apk package `name` (version `version`), built by recipe `node`.
 */
function provenanceProblems(
  doc: SpdxDoc,
  where: string,
  pkg: { name: string; version: string },
  recipe: { stage0: boolean; license: string; upstreamVersion: string; sources: readonly PackageSource[] },
): string[] {
  const problems: string[] = [];
  const apk = doc.packages.find((p) => p.SPDXID.startsWith('SPDXRef-Package-apk-') && p.name === pkg.name);
  if (!apk) return [`${where}: no SPDX package for ${pkg.name}`];
  if (apk.versionInfo !== pkg.version) problems.push(`${where}: ${pkg.name} version ${apk.versionInfo}`);
  if (apk.licenseDeclared !== recipe.license) {
    problems.push(`${where}: ${pkg.name} license ${apk.licenseDeclared}, the recipe says ${recipe.license}`);
  }
  const generatedFrom = doc.relationships
    .filter((r) => r.spdxElementId === apk.SPDXID && r.relationshipType === 'GENERATED_FROM')
    .map((r) => doc.packages.find((p) => p.SPDXID === r.relatedSpdxElement))
    .filter((p): p is SpdxPackage => p?.primaryPackagePurpose === 'SOURCE');
  if (recipe.stage0) {
    // what the SBOM says of an import today: the recipe's description ("stage 0 bootstrap: …,
    // imported from the build machine's …"), the package's SPDX description
    if (!/stage 0/i.test(apk.description ?? '') || !/imported/i.test(apk.description ?? '')) {
      problems.push(`${where}: ${pkg.name} is imported (stage 0) but its SPDX description does not say so`);
    }
    if (generatedFrom.length > 0) problems.push(`${where}: ${pkg.name} is imported but names a source`);
    return problems;
  }
  for (const src of recipe.sources) {
    if (src.kind !== 'fetch') continue;
    const s = generatedFrom.find((p) => p.downloadLocation === src.uri);
    if (!s) {
      problems.push(`${where}: ${pkg.name} does not name its source ${src.uri}`);
      continue;
    }
    const [alg, hex] = src.checksum.split(':');
    if (!s.checksums?.some((c) => c.algorithm === alg?.toUpperCase() && c.checksumValue === hex)) {
      problems.push(`${where}: ${pkg.name}'s source ${src.uri} lacks its ${src.checksum}`);
    }
    if (s.versionInfo !== recipe.upstreamVersion) {
      problems.push(`${where}: ${pkg.name}'s source version ${s.versionInfo}, not ${recipe.upstreamVersion}`);
    }
    if (s.licenseDeclared !== recipe.license) {
      problems.push(`${where}: ${pkg.name}'s source license ${s.licenseDeclared}, the recipe says ${recipe.license}`);
    }
  }
  return problems;
}

describe('what the images are made of: imports and provenance (issue 12)', {
  skip: !canBuild && 'needs bwrap and the Debian packages of distro/README.md',
}, () => {
  let tree: SharedTree;
  let distro: DistroTree;
  let work: string;
  /** Recipe name → stage 0 (host runner). */
  const stage0 = new Set<string>();
  /** Package name → its recipe. */
  const recipeOf = new Map<string, string>();

  before(async () => {
    tree = await sharedDistroTree();
    assert.equal(tree.build.code, 0, tree.build.stderr);
    distro = await loadDistroTree(join(repoRoot, 'distro'), { arch: 'x86_64' });
    for (const n of distro.nodes) {
      if (n.runner === 'host') stage0.add(n.name);
      for (const p of n.packages) recipeOf.set(p, n.name);
    }
    work = mkdtempSync(join(tmpdir(), 'lupine-provenance-'));
    copySharedTree(tree, work);
    for (const name of catalog) {
      const r = await runCli(
        [
          'image',
          'build',
          `images/${name}.yaml`,
          `${name}:latest`,
          `out/images/${name}`,
          '--sbom-path',
          `out/sboms/${name}`,
        ],
        { cwd: work, env: TREE_ENV },
      );
      assert.equal(r.code, 0, `${name}: ${r.stderr}`);
      unpackImage(join(work, 'out/images', name), join(work, 'rootfs', name));
    }
  });
  after(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test('the allowed imports are stage-0 recipes of distro/', () => {
    assert.ok(stage0.size > 0, 'distro/ has stage-0 recipes');
    for (const name of Object.keys(IMPORTS_ALLOWED)) {
      assert.ok(recipeOf.has(name), `${name} is not a recipe of distro/: remove it from IMPORTS_ALLOWED`);
      assert.ok(stage0.has(name), `${name} is built from source now: remove it from IMPORTS_ALLOWED`);
    }
  });

  test('no ELF file of any image is, or links, an import outside the allowed list', () => {
    const problems: string[] = [];
    let elfFiles = 0;
    for (const name of catalog) {
      const root = join(work, 'rootfs', name);
      elfFiles += scanElf(root).files.length;
      problems.push(...importProblems(name, root, stage0));
    }
    assert.ok(elfFiles > 0, 'the images hold ELF files');
    assert.deepEqual(problems, []);
  });

  test("a tampered image fails: openssl's libraries relabelled as a stage-0 recipe's", () => {
    const victim = [...stage0].find((r) => !(r in IMPORTS_ALLOWED));
    assert.ok(victim, 'a stage-0 recipe outside the allowed list');
    const root = join(work, 'tampered');
    cpSync(join(work, 'rootfs', 'curl'), root, { recursive: true, verbatimSymlinks: true });
    const db = join(root, 'lib/apk/db/installed');
    const text = readFileSync(db, 'utf8');
    assert.match(text, /^o:openssl$/m, 'curl holds libcrypto3 and libssl3');
    writeFileSync(db, text.replace(/^o:openssl$/gm, `o:${victim}`));
    const problems = importProblems('curl', root, stage0);
    assert.ok(
      problems.some((p) =>
        /^curl: \/usr\/lib\/libcurl\.so\.[\d.]+ needs libssl\.so\.3 → .* recipe \S+: stage 0, imported/.test(p),
      ),
      problems.join('\n'),
    );
  });

  test('libcurl and Python link the shared zlib and zstd of their images (a zlib fix reaches them)', () => {
    /** `file needs lib → the recipe that owns what it resolves to`, for the images' files matching `file`. */
    const linked = (image: string, file: RegExp) => {
      const root = join(work, 'rootfs', image);
      const owners = fileOwners(root);
      return scanElf(root)
        .links.filter((l) => file.test(l.file))
        .map((l) => `${l.needed} → ${l.resolved === undefined ? 'nothing' : owners.get(l.resolved)?.origin}`);
    };
    const libcurl = linked('curl', /^usr\/lib\/libcurl\.so\./);
    assert.ok(libcurl.includes('libz.so.1 → zlib'), libcurl.join('\n'));
    assert.ok(libcurl.includes('libzstd.so.1 → zstd'), libcurl.join('\n'));
    const zlibModule = linked('python', /\/lib-dynload\/zlib\.cpython-[^/]*\.so$/);
    assert.ok(zlibModule.includes('libz.so.1 → zlib'), zlibModule.join('\n'));
  });

  test('no image carries documentation: manual pages, info manuals and docs are -doc packages', () => {
    const problems: string[] = [];
    for (const name of catalog) {
      const root = join(work, 'rootfs', name);
      const owners = fileOwners(root);
      for (const file of docFiles(root)) problems.push(`${name}: /${file} (${owners.get(file)?.name ?? 'no package'})`);
    }
    assert.deepEqual(problems, []);
    // the check sees a manual page where one is
    const tampered = join(work, 'tampered-docs');
    cpSync(join(work, 'rootfs', 'curl'), tampered, { recursive: true, verbatimSymlinks: true });
    mkdirSync(join(tampered, 'usr/share/man/man1'), { recursive: true });
    writeFileSync(join(tampered, 'usr/share/man/man1/curl.1'), '.TH curl 1\n');
    assert.deepEqual(docFiles(tampered), ['usr/share/man/man1/curl.1']);
  });

  /** What the provenance check needs of a recipe. */
  const recipeFacts = (name: string) => {
    const recipe = distro.recipes.get(name);
    assert.ok(recipe, name);
    return {
      stage0: stage0.has(name),
      license: licenseExpression(recipe),
      upstreamVersion: recipe.version,
      sources: collectSources(recipe.packages[0]?.pipeline ?? []),
    };
  };

  test("every package's own SBOM names its upstream source (or says it was imported)", () => {
    const problems: string[] = [];
    let fromSource = 0;
    for (const n of distro.nodes) {
      const facts = recipeFacts(n.name);
      if (!facts.stage0 && facts.sources.some((s) => s.kind === 'fetch')) fromSource++;
      for (const p of n.packages) {
        const apk = join(tree.dir, 'out/packages/x86_64', `${p}-${n.fullVersion}.apk`);
        const doc = packageSbom(apk, p, n.fullVersion);
        problems.push(
          ...provenanceProblems(doc, `${p}-${n.fullVersion}.apk`, { name: p, version: n.fullVersion }, facts),
        );
      }
    }
    assert.ok(fromSource >= 8, `${fromSource} recipes build from an upstream tarball`);
    assert.deepEqual(problems, []);
  });

  test("every image's SBOM carries the same for the packages it holds", () => {
    const problems: string[] = [];
    for (const name of catalog) {
      const doc = JSON.parse(readFileSync(join(work, 'out/sboms', name, 'sbom-x86_64.spdx.json'), 'utf8')) as SpdxDoc;
      const apks = doc.packages.filter((p) => p.SPDXID.startsWith('SPDXRef-Package-apk-'));
      assert.ok(apks.length > 0, `${name}: packages`);
      for (const apk of apks) {
        const recipe = recipeOf.get(apk.name);
        if (!recipe) {
          problems.push(`${name}: ${apk.name} is not a package of distro/`);
          continue;
        }
        problems.push(
          ...provenanceProblems(
            doc,
            `image ${name}`,
            { name: apk.name, version: apk.versionInfo ?? '' },
            recipeFacts(recipe),
          ),
        );
      }
    }
    assert.deepEqual(problems, []);
  });
});
