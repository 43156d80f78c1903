import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  formatBytes,
  type ImageReportFacts,
  renderReport,
  reportFactsJson,
  severityText,
} from '../../../src/report/index.js';
import { assertGolden } from '../../helpers/golden.js';
import { FAT, MINIMAL, UNSCANNED } from './fixtures.js';

const options = { title: 'Debian-based against minimal', generatedAt: 1_700_000_000, tool: 'lupine 0.1.0' };

/** Every tag of the page (`<…>`), attributes included. */
function tags(html: string): string[] {
  return html.match(/<[^>]*>/g) ?? [];
}

const HOSTILE = '<script>alert(1)</script>"\' onmouseover="alert(2)" https://evil.example/x.js &amp;';

function hostile(f: ImageReportFacts): ImageReportFacts {
  return {
    ...f,
    name: `${f.name}${HOSTILE}`,
    digest: `${f.digest}${HOSTILE}`,
    platform: HOSTILE,
    os: HOSTILE,
    shells: [HOSTILE],
    user: { configured: HOSTILE, name: HOSTILE, uid: HOSTILE, root: false },
    entrypoint: [HOSTILE],
    cmd: [HOSTILE, 'x'],
    licenses: [{ license: HOSTILE, spdx: false, packages: 1 }],
  };
}

describe('renderReport', () => {
  it('golden page: a Debian-based image against a minimal one', () => {
    assertGolden('report/fat-vs-minimal.html', renderReport([FAT, MINIMAL], options));
  });

  it('golden page: three images, not scanned, no packages, unknown uid, long name', () => {
    assertGolden('report/unscanned.html', renderReport(UNSCANNED, { title: 'Not scanned', generatedAt: 0 }));
  });

  it("shows each image's numbers", () => {
    const html = renderReport([FAT, MINIMAL], options);
    for (const f of [FAT, MINIMAL]) {
      assert.ok(html.includes(`<data value="${f.compressedSize}"`), `${f.name} compressed size`);
      assert.ok(html.includes(`<data value="${f.unpackedSize}"`), `${f.name} unpacked size`);
      assert.ok(html.includes(`>${formatBytes(f.compressedSize)}<`), `${f.name} compressed size text`);
      assert.ok(html.includes(`${f.packages} package`), `${f.name} packages in the chart`);
      assert.ok(html.includes(`${f.vulnerabilities?.findings} finding`), `${f.name} findings`);
    }
    assert.ok(MINIMAL.vulnerabilities);
    assert.equal(severityText(MINIMAL.vulnerabilities.bySeverity), 'none');
    assert.ok(html.includes('Critical 4, High 38, Medium 101, Low 90, Negligible 40, Unknown 14'));
    assert.ok(html.includes('<time datetime="2023-11-14T22:13:20Z">2023-11-14T22:13:20Z</time>'));
    assert.equal(html.match(/<rect class="sev-/g)?.length, 6, 'six severity segments for the fat image only');
  });

  it('hostile names are escaped everywhere: no <script>, no injected attribute', () => {
    const html = renderReport([hostile(FAT), hostile(MINIMAL)], { ...options, title: HOSTILE });
    assert.doesNotMatch(html, /<script/i);
    assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'), 'shown as text');
    assert.ok(html.includes('&amp;amp;'), 'an entity in a name is shown as written');
    for (const t of tags(html)) assert.doesNotMatch(t, /\son\w+\s*=/i, `event handler in ${t}`);
    const json = JSON.parse(reportFactsJson([hostile(FAT)], options));
    assert.equal(json.images[0].os, HOSTILE, 'the JSON keeps the text as it is');
  });

  it('self-contained: no network asset, no script, no external reference', () => {
    for (const html of [
      renderReport([FAT, MINIMAL], options),
      renderReport(UNSCANNED, options),
      renderReport([hostile(FAT)], { ...options, title: HOSTILE }),
    ]) {
      for (const t of tags(html)) {
        assert.doesNotMatch(t, /https?:|\/\//i, `a URL inside a tag: ${t}`);
        assert.doesNotMatch(t, /^<(script|link|img|iframe|object|embed|image|use|base)\b/i, `an asset tag: ${t}`);
        assert.doesNotMatch(t, /\s(src|href|xlink:href|srcset|action)\s*=/i, `a reference: ${t}`);
      }
      assert.doesNotMatch(html, /url\(|@import/i, 'no CSS fetches');
      assert.ok(html.startsWith('<!DOCTYPE html>\n<html lang="en">'));
    }
  });

  it('accessible: header cells with scope, charts with a title and a description', () => {
    const html = renderReport([FAT, MINIMAL], options);
    const svgs = html.match(/<svg[^>]*>/g) ?? [];
    assert.equal(svgs.length, 3);
    for (const s of svgs) assert.match(s, /role="img" aria-labelledby="chart-\w+-title chart-\w+-desc"/);
    assert.match(
      html,
      /<desc id="chart-size-desc">registry\.example\/app:debian: 50\.0 MiB; registry\.example\/app:minimal: 2\.00 MiB<\/desc>/,
    );
    assert.equal((html.match(/<th scope="row">/g) ?? []).length, 15);
    assert.equal((html.match(/<th scope="col"/g) ?? []).length, 3 + 2 * 2);
  });

  it('reproducible: the same facts give the same bytes; the time is the one given', () => {
    assert.equal(renderReport([FAT, MINIMAL], options), renderReport([FAT, MINIMAL], options));
    assert.match(renderReport([FAT], { title: 't', generatedAt: 0 }), /1970-01-01T00:00:00Z/);
  });
});

describe('reportFactsJson', () => {
  it('carries the facts, title and time', () => {
    const j = JSON.parse(reportFactsJson([FAT, MINIMAL], options));
    assert.equal(j.schema, 'lupine-report/1');
    assert.equal(j.generatedAt, '2023-11-14T22:13:20Z');
    assert.deepEqual(j.images, [FAT, MINIMAL]);
  });
});
