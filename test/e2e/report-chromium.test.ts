/**
 * The report page rendered by a real browser: Debian's headless Chromium takes a screenshot (checked
 * not blank, with the charts' colours on it) and dumps the DOM it built (checked for each image's
 * numbers). Every Chromium run is bounded by a timeout and its process group killed afterwards.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { formatBytes } from '../../src/report/index.js';
import { runCli } from '../helpers/cli.js';
import { advisoryFiles, fatImage, minimalImage, writeImageLayout } from '../unit/report/images.js';
import { decodePng, pixelStats } from '../unit/report/png.js';

const CHROMIUM = '/usr/bin/chromium';
const TIMEOUT_MS = 120_000;
const tmp = mkdtempSync(join(tmpdir(), 'lupine-report-chromium-'));

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
}

let runs = 0;

/** Runs headless Chromium on a file with a fresh profile; kills its whole process group afterwards. */
async function chromium(extra: readonly string[], file: string): Promise<Run> {
  const profile = join(tmp, `profile-${++runs}`);
  mkdirSync(profile);
  const args = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    `--user-data-dir=${profile}`,
    ...(extra.some((a) => a.startsWith('--window-size=')) ? [] : ['--window-size=1280,2000']),
    ...extra,
    pathToFileURL(file).href,
  ];
  const env = { PATH: process.env.PATH, HOME: profile, XDG_CONFIG_HOME: profile, XDG_CACHE_HOME: profile };
  const child = spawn(CHROMIUM, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (c: Buffer) => out.push(c));
  child.stderr.on('data', (c: Buffer) => err.push(c));
  const killGroup = () => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // the group is gone already
    }
  };
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup();
  }, TIMEOUT_MS);
  const code = await new Promise<number | null>((resolve) => {
    child.once('error', () => resolve(null));
    child.once('close', (c) => resolve(c));
  });
  clearTimeout(timer);
  killGroup();
  return { code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), timedOut };
}

async function screenshot(file: string, png: string) {
  const r = await chromium([`--screenshot=${png}`], file);
  assert.ok(!r.timedOut, `chromium did not finish in ${TIMEOUT_MS} ms`);
  assert.ok(existsSync(png), `no screenshot written (exit ${r.code}): ${r.stderr.slice(-2000)}`);
  return pixelStats(decodePng(readFileSync(png)));
}

interface JsonImage {
  name: string;
  compressedSize: number;
  unpackedSize: number;
  packages: number;
  vulnerabilities: { findings: number };
}

describe('report.html in headless Chromium', () => {
  let images: JsonImage[];
  const report = join(tmp, 'report.html');

  before(async () => {
    assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)`);
    await writeImageLayout(join(tmp, 'fat'), fatImage('x86_64'), 'x86_64');
    await writeImageLayout(join(tmp, 'minimal'), minimalImage('x86_64'), 'x86_64');
    for (const [name, text] of Object.entries(advisoryFiles())) {
      mkdirSync(dirname(join(tmp, 'db', name)), { recursive: true });
      writeFileSync(join(tmp, 'db', name), text);
    }
    const r = await runCli(['report', 'fat', 'minimal', '--db', 'db', '-o', report, '--json'], {
      env: { SOURCE_DATE_EPOCH: '1700000000', HOME: tmp },
      cwd: tmp,
    });
    assert.equal(r.code, 0, r.stderr);
    images = JSON.parse(r.stdout).images;
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('the screenshot detector sees an empty page as blank', async () => {
    const empty = join(tmp, 'empty.html');
    writeFileSync(empty, '<!DOCTYPE html><html lang="en"><head><title>empty</title></head><body></body></html>');
    const stats = await screenshot(empty, join(tmp, 'empty.png'));
    assert.equal(stats.nonWhite, 0);
    assert.ok(stats.colours <= 2);
  });

  it('the screenshot is not blank and shows the charts', async () => {
    const stats = await screenshot(report, join(tmp, 'report.png'));
    assert.equal(stats.pixels, 1280 * 2000);
    assert.ok(stats.nonWhite > stats.pixels * 0.03, `only ${stats.nonWhite} non-white pixels`);
    assert.ok(stats.colours > 50, `only ${stats.colours} colours`);
    // Solid bar fills: compressed size (two bars), packages (two bars), High and Unknown segments.
    assert.ok(stats.count('#2563eb') > 2 * 22 * 2, 'size bars');
    assert.ok(stats.count('#0f766e') > 2 * 22 * 2, 'package bars');
    assert.ok(stats.count('#dc2626') > 22 * 2, 'the High segment');
    assert.ok(stats.count('#6b7280') > 22 * 2, 'the Unknown segment');
  });

  it("the DOM Chromium built shows each image's numbers", async () => {
    const r = await chromium(['--dump-dom'], report);
    assert.ok(!r.timedOut, `chromium did not finish in ${TIMEOUT_MS} ms`);
    const dom = r.stdout;
    assert.match(dom, /<h1>Container image comparison<\/h1>/, `no page in the DOM dump: ${r.stderr.slice(-2000)}`);
    const text = dom.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ');
    for (const img of images) {
      assert.ok(text.includes(formatBytes(img.compressedSize)), `${img.name}: ${formatBytes(img.compressedSize)}`);
      assert.ok(text.includes(formatBytes(img.unpackedSize)), `${img.name}: ${formatBytes(img.unpackedSize)}`);
      assert.ok(text.includes(`${img.packages} packages`), `${img.name}: ${img.packages} packages`);
      assert.ok(text.includes(`${img.vulnerabilities.findings} findings`), `${img.name}: findings`);
    }
    assert.ok(text.includes('root (0)'));
    assert.ok(text.includes('nonroot (65532)'));
    assert.ok(text.includes('High 1, Unknown 4'));
  });

  it('names the advisory source and lists the vulnerability ids in the DOM', async () => {
    const r = await chromium(['--dump-dom'], report);
    const text = r.stdout.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ');
    assert.match(text, /Advisory sources: db \(/);
    for (const id of ['CVE-2024-0001', 'CVE-2024-1111', 'CVE-2024-7777']) assert.ok(text.includes(id), id);
    assert.match(r.stdout, /<details class="ids"><summary>5 ids<\/summary>/);
  });

  it('a wide catalog (8 images) fits 1400 px: no sideways scrolling of the page or of a table', async () => {
    const names: string[] = [];
    for (let i = 0; i < 8; i++) {
      const name = `catalog/an-image-with-a-rather-long-name-${i}`;
      cpSync(join(tmp, i % 2 ? 'fat' : 'minimal'), join(tmp, name), { recursive: true });
      names.push(name);
    }
    const wide = join(tmp, 'wide.html');
    const r = await runCli(['report', ...names, '--db', 'db', '-o', wide], {
      env: { SOURCE_DATE_EPOCH: '1700000000', HOME: tmp },
      cwd: tmp,
    });
    assert.equal(r.code, 0, r.stderr);
    // The page has no script; a copy gets one that writes the overflow into the DOM for --dump-dom.
    const probe = join(tmp, 'wide-probe.html');
    const measure =
      "<script>addEventListener('load',()=>{const d=document.documentElement;const inner=[...document.querySelectorAll('.table-wrap,table,figure,svg')].map((x)=>x.scrollWidth-x.clientWidth);document.body.setAttribute('data-overflow',String(d.scrollWidth-d.clientWidth)+' '+String(Math.max(0,...inner)))})</script>";
    writeFileSync(probe, readFileSync(wide, 'utf8').replace('</body>', `${measure}</body>`));
    const dom = await chromium(['--dump-dom', '--window-size=1400,1000'], probe);
    const m = /data-overflow="(-?\d+) (-?\d+)"/.exec(dom.stdout);
    assert.ok(m, `no measurement in the DOM: ${dom.stderr.slice(-1000)}`);
    assert.ok(Number(m[1]) <= 0, `the page scrolls sideways by ${m[1]} px`);
    assert.ok(Number(m[2]) <= 0, `a table or chart scrolls sideways by ${m[2]} px`);
  });
});
