import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { formatBytes } from '../../src/report/index.js';
import { runCli } from '../helpers/cli.js';
import {
  advisoryFiles,
  FAT_EXPECTED,
  FAT_PACKAGES,
  fatImage,
  HOSTILE_PACKAGE,
  MINIMAL_PACKAGES,
  minimalImage,
  writeImageArchive,
  writeImageLayout,
} from '../unit/report/images.js';

const ARCH = 'x86_64';
const tmp = mkdtempSync(join(tmpdir(), 'lupine-report-e2e-'));
const env = { SOURCE_DATE_EPOCH: '1700000000', HOME: tmp, PATH: process.env.PATH };
const cli = (...argv: string[]) => runCli(argv, { env, cwd: tmp });
const fat = fatImage(ARCH);
const minimal = minimalImage(ARCH);
const size = { fat: 0, minimal: 0, minimalArchive: 0 };

interface JsonImage {
  name: string;
  platform: string;
  os: string;
  compressedSize: number;
  unpackedSize: number;
  layers: number;
  packages: number;
  shells: string[];
  user: { configured: string; name: string; uid: string; root: boolean };
  entrypoint: string[];
  cmd: string[];
  vulnerabilities: null | { findings: number; bySeverity: Record<string, number> };
  licenses: { license: string; spdx: boolean; packages: number }[];
}

before(async () => {
  size.fat = await writeImageLayout(join(tmp, 'fat'), fat, ARCH);
  size.minimal = await writeImageLayout(join(tmp, 'minimal'), minimal, ARCH);
  size.minimalArchive = await writeImageArchive(join(tmp, 'minimal.tar'), minimal, ARCH);
  for (const [name, text] of Object.entries(advisoryFiles())) {
    mkdirSync(dirname(join(tmp, 'db', name)), { recursive: true });
    writeFileSync(join(tmp, 'db', name), text);
  }
});
after(() => rmSync(tmp, { recursive: true, force: true }));

describe('lupine report: a fat image against a minimal one', () => {
  let images: JsonImage[];
  let html: string;

  before(async () => {
    const r = await cli(
      'report',
      'fat',
      'minimal.tar',
      '--db',
      'db',
      '-o',
      'report.html',
      '--json',
      '--title',
      'Fat vs minimal',
    );
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout);
    assert.equal(doc.schema, 'lupine-report/1');
    assert.equal(doc.generatedAt, '2023-11-14T22:13:20Z');
    images = doc.images;
    html = readFileSync(join(tmp, 'report.html'), 'utf8');
  });

  it('--json: sizes, layers and packages are those of the images built', () => {
    const [f, m] = images as [JsonImage, JsonImage];
    assert.equal(f.name, 'fat');
    assert.equal(m.name, 'minimal.tar');
    assert.equal(f.platform, 'linux/amd64');
    assert.equal(f.compressedSize, size.fat);
    assert.equal(m.compressedSize, size.minimalArchive);
    assert.equal(f.unpackedSize, fat.unpackedSize, 'the whited-out file is not counted');
    assert.equal(m.unpackedSize, minimal.unpackedSize);
    assert.deepEqual([f.layers, m.layers], [2, 1]);
    assert.deepEqual([f.packages, m.packages], [FAT_PACKAGES.length, MINIMAL_PACKAGES.length]);
    assert.deepEqual([f.os, m.os], ['Wolfi (fat test image)', 'Wolfi (minimal test image)']);
  });

  it('--json: shell, user and entrypoint', () => {
    const [f, m] = images as [JsonImage, JsonImage];
    assert.deepEqual(f.shells, ['/bin/sh', '/bin/bash']);
    assert.deepEqual(m.shells, []);
    assert.deepEqual(f.user, { configured: '', name: 'root', uid: '0', root: true });
    assert.deepEqual(m.user, { configured: '65532', name: 'nonroot', uid: '65532', root: false });
    assert.deepEqual([f.entrypoint, f.cmd], [['/bin/sh', '-c'], ['node /usr/share/app.js']]);
    assert.deepEqual([m.entrypoint, m.cmd], [['/usr/bin/server'], []]);
  });

  it('--json: vulnerabilities by severity, the fat image only', () => {
    const [f, m] = images as [JsonImage, JsonImage];
    assert.deepEqual(f.vulnerabilities, FAT_EXPECTED);
    assert.equal(m.vulnerabilities?.findings, 0);
  });

  it('the counts agree with lupine scan of the same image', async () => {
    for (const [target, image] of [
      ['fat', images[0]],
      ['minimal.tar', images[1]],
    ] as const) {
      const r = await cli('scan', target, '--db', 'db', '--format', 'json');
      assert.equal(r.code, 0, r.stderr);
      const summary = JSON.parse(r.stdout).summary;
      assert.equal(image?.vulnerabilities?.findings, summary.findings, target);
      assert.deepEqual(image?.vulnerabilities?.bySeverity, summary.bySeverity, target);
    }
  });

  it('--json: licenses by SPDX id, an expression counted once per license', () => {
    const [f, m] = images as [JsonImage, JsonImage];
    const of = (img: JsonImage, id: string) => img.licenses.find((l) => l.license === id)?.packages;
    // lib00..lib33 cycle MIT / Apache-2.0 / GPL-2.0-or-later AND MIT; libfoo-dev is MIT, openssl Apache-2.0.
    assert.equal(of(f, 'MIT'), 12 + 11 + 1);
    assert.equal(of(f, 'Apache-2.0'), 11 + 1);
    assert.equal(of(f, 'GPL-2.0-or-later'), 11);
    assert.equal(of(f, 'GPL-2.0-only'), 1);
    assert.equal(f.licenses[0]?.license, 'MIT', 'most used first');
    assert.deepEqual(
      m.licenses.map((l) => `${l.license} ${l.packages}`),
      ['MIT 2', 'CC-PDDC 1', 'MPL-2.0 1'],
    );
  });

  it("the HTML shows each image's numbers", () => {
    for (const img of images) {
      assert.ok(html.includes(`<data value="${img.compressedSize}"`), `${img.name} compressed`);
      assert.ok(html.includes(`>${formatBytes(img.compressedSize)}</text>`), `${img.name} size bar label`);
      assert.ok(html.includes(`<data value="${img.unpackedSize}"`), `${img.name} unpacked`);
      assert.ok(html.includes(`>${img.packages} packages</text>`), `${img.name} packages bar label`);
      assert.ok(html.includes(`>${img.vulnerabilities?.findings} findings</text>`), `${img.name} findings bar label`);
    }
    assert.ok(html.includes('High 1, Unknown 4'));
    assert.ok(html.includes('<span class="warn">root (0)</span>'));
    assert.ok(html.includes('<span class="good">nonroot (65532)</span>'));
    assert.ok(html.includes('<span class="warn">yes</span>: /bin/sh, /bin/bash'));
    assert.match(html, /<title>Fat vs minimal<\/title>/);
    assert.match(html, /<time datetime="2023-11-14T22:13:20Z">/);
  });

  it('hostile package data never reaches the page unescaped; nothing is loaded from the network', () => {
    assert.ok(HOSTILE_PACKAGE.includes('<script>'));
    assert.doesNotMatch(html, /<script/i);
    assert.ok(html.includes('&lt;script&gt;alert(&quot;license&quot;)&lt;/script&gt;'));
    for (const t of html.match(/<[^>]*>/g) ?? []) assert.doesNotMatch(t, /https?:|\s(src|href)=/i, t);
  });

  it('is reproducible: the same images and SOURCE_DATE_EPOCH give the same bytes', async () => {
    const r = await cli('report', 'fat', 'minimal.tar', '--db', 'db', '--title', 'Fat vs minimal');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, html, 'HTML on standard output without -o, same bytes');
  });
});

describe('lupine report: options and errors', () => {
  it('without --db the page says "not scanned"', async () => {
    const r = await cli('report', 'minimal', '--json');
    assert.equal(r.code, 0, r.stderr);
    const [m] = JSON.parse(r.stdout).images as JsonImage[];
    assert.equal(m?.vulnerabilities, null);
    assert.equal(m?.compressedSize, size.minimal);
    const h = await cli('report', 'minimal');
    assert.match(h.stdout, /<span class="muted">not scanned<\/span>/);
    assert.match(h.stdout, />not scanned<\/text>/);
  });

  it('--baseline picks the image the others are compared with; one not given is a usage error', async () => {
    const r = await cli('report', 'fat', 'minimal.tar', '--db', 'db', '--baseline', 'minimal.tar');
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /<li><code>fat<\/code> against <code>minimal\.tar<\/code>: .*more packages, .*more findings, a shell, runs as root\.<\/li>/,
    );
    assert.doesNotMatch(r.stdout, /<code>minimal\.tar<\/code> against/);
    const d = await cli('report', 'fat', 'minimal.tar', '--db', 'db');
    assert.match(d.stdout, /<li><code>minimal\.tar<\/code> against <code>fat<\/code>: /);
    assert.equal((await cli('report', 'fat', 'minimal.tar', '--baseline', 'other')).code, 2);
  });

  it('--arch names an architecture the image lacks: an error (exit 3)', async () => {
    const r = await cli('report', 'minimal', '--arch', 'aarch64');
    assert.equal(r.code, 3);
    assert.match(r.stderr, /SCAN_BAD_TARGET/);
    assert.equal((await cli('report', 'minimal', '--arch', 'x86_64', '--json')).code, 0);
  });

  it('usage errors exit 2; a missing image or a non-image exits 3', async () => {
    assert.equal((await cli('report')).code, 2);
    assert.equal((await cli('report', 'minimal', '--bogus')).code, 2);
    const missing = await cli('report', './nothing-here');
    assert.equal(missing.code, 3);
    assert.match(missing.stderr, /REPORT_BAD_IMAGE/);
    assert.equal((await cli('report', 'db')).code, 3, 'a directory that is not a layout');
    const notTar = await cli('report', 'db/security.json');
    assert.equal(notTar.code, 3);
    assert.match(notTar.stderr, /REPORT_BAD_IMAGE/);
  });
});
