/**
 * The comparison page (pure): a header, a summary table with one column per image, bar charts for
 * compressed size, packages and vulnerabilities by severity, a licenses table per image and a footer
 * with the generation time. One self-contained HTML document: inline CSS and SVG, no scripts, nothing
 * loaded from the network.
 */
import { SEVERITIES, type Severity } from '../scan/index.js';
import { type BarRow, barChart } from './charts.js';
import type { ImageReportFacts, ReportOptions } from './facts.js';
import { escapeHtml, formatBytes, formatCount, isoTime } from './html-text.js';
import { PAGE_CSS } from './page-style.js';

const e = escapeHtml;

function plural(n: number, one: string, many = `${one}s`): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}

function bytesCell(n: number): string {
  return `<data value="${n}" title="${formatCount(n)} bytes">${e(formatBytes(n))}</data>`;
}

function commandCell(argv: readonly string[]): string {
  if (argv.length === 0) return '<span class="muted">none</span>';
  return `<code>${e(argv.map((a) => (/^[\w./:=@%+-]+$/.test(a) ? a : JSON.stringify(a))).join(' '))}</code>`;
}

export function userText(f: ImageReportFacts): string {
  const u = f.user;
  if (u.name !== '' && u.uid !== '') return `${u.name} (${u.uid})`;
  if (u.uid !== '') return `uid ${u.uid}`;
  return `${u.name} (not in /etc/passwd)`;
}

export function severityText(counts: Readonly<Record<Severity, number>>): string {
  const parts = SEVERITIES.filter((s) => counts[s] > 0).map((s) => `${s} ${formatCount(counts[s])}`);
  return parts.length === 0 ? 'none' : parts.join(', ');
}

function vulnerabilityCell(f: ImageReportFacts): string {
  const v = f.vulnerabilities;
  if (v === null) return `<span class="warn">not scanned${f.notScanned ? `: ${e(f.notScanned)}` : ''}</span>`;
  if (v.findings === 0) return '<span class="good">0 findings</span>';
  return `<span class="warn">${e(plural(v.findings, 'finding'))}</span> (${e(plural(v.vulnerabilities, 'vulnerability', 'vulnerabilities'))}), ${e(formatCount(v.fixable))} with a fix`;
}

/** The ids found, collapsed behind their count. */
function idsCell(f: ImageReportFacts): string {
  const v = f.vulnerabilities;
  if (v === null) return '<span class="muted">not scanned</span>';
  if (v.ids.length === 0) return '<span class="muted">none</span>';
  const items = v.ids.map((id) => `<li><code>${e(id)}</code></li>`).join('');
  return `<details class="ids"><summary>${e(plural(v.ids.length, 'id'))}</summary><ul>${items}</ul></details>`;
}

/** The advisory sources, each with its date. */
function sourcesText(facts: readonly ImageReportFacts[], options: ReportOptions): string {
  const list = options.sources ?? [];
  if (list.length === 0) {
    return facts.every((f) => f.vulnerabilities === null)
      ? '<p class="sources muted">No advisory source was given: nothing was scanned.</p>'
      : '';
  }
  const items = list.map(
    (x) =>
      `<li><code>${e(x.name)}</code> (${e(x.formats.join(', '))}; ${e(plural(x.entries, 'entry', 'entries'))}; dated ${e(x.date ? x.date.slice(0, 10) : 'unknown')})</li>`,
  );
  return `<div class="sources"><p>Advisory sources:</p><ul>${items.join('')}</ul></div>`;
}

const ROWS: readonly [string, (f: ImageReportFacts) => string][] = [
  ['Digest', (f) => `<code>${e(f.digest)}</code>`],
  ['Platform', (f) => e(f.platform)],
  ['OS', (f) => (f.os === '' ? '<span class="muted">unknown</span>' : e(f.os))],
  ['Compressed size', (f) => bytesCell(f.compressedSize)],
  ['Unpacked size', (f) => bytesCell(f.unpackedSize)],
  ['Layers', (f) => e(formatCount(f.layers))],
  ['Packages', (f) => e(formatCount(f.packages))],
  [
    'Shell',
    (f) =>
      f.shells.length === 0
        ? '<span class="good">no</span>'
        : `<span class="warn">yes</span>: ${e(f.shells.join(', '))}`,
  ],
  [
    'User',
    (f) =>
      f.user.root ? `<span class="warn">${e(userText(f))}</span>` : `<span class="good">${e(userText(f))}</span>`,
  ],
  ['Entrypoint', (f) => commandCell(f.entrypoint)],
  ['Cmd', (f) => commandCell(f.cmd)],
  ['Vulnerabilities', vulnerabilityCell],
  [
    'By severity',
    (f) =>
      f.vulnerabilities === null
        ? '<span class="muted">not scanned</span>'
        : e(severityText(f.vulnerabilities.bySeverity)),
  ],
  ['Vulnerability ids', idsCell],
  ['Licenses', (f) => e(plural(f.licenses.length, 'distinct license'))],
];

function summaryTable(facts: readonly ImageReportFacts[]): string {
  const head = facts.map((f) => `<th scope="col"><code>${e(f.name)}</code></th>`).join('');
  const body = ROWS.map(
    ([label, cell]) => `<tr><th scope="row">${e(label)}</th>${facts.map((f) => `<td>${cell(f)}</td>`).join('')}</tr>`,
  );
  return [
    '<div class="table-wrap">',
    '<table class="summary">',
    '<caption>One column per image; sizes in binary units (hover for bytes).</caption>',
    `<thead><tr><th scope="col">Image</th>${head}</tr></thead>`,
    `<tbody>\n${body.join('\n')}\n</tbody>`,
    '</table>',
    '</div>',
  ].join('\n');
}

/** `96% smaller`, `12% larger`, `25× larger` than the first image's value; '' when there is no base. */
function change(value: number, base: number): string {
  if (base === 0) return '';
  if (value >= base * 2) {
    const ratio = value / base;
    return `${ratio >= 10 ? formatCount(ratio) : ratio.toFixed(1)}× larger`;
  }
  const pct = Math.round(((value - base) / base) * 100);
  return pct < 0 ? `${-pct}% smaller` : pct > 0 ? `${pct}% larger` : 'the same size';
}

function difference(value: number, base: number, one: string, many = `${one}s`): string {
  const d = value - base;
  if (d === 0) return `as many ${many}`;
  return `${formatCount(Math.abs(d))} ${d < 0 ? 'fewer' : 'more'} ${Math.abs(d) === 1 ? one : many}`;
}

/** One line per image other than the baseline (`--baseline`, else the first), compared with it. */
function highlights(facts: readonly ImageReportFacts[], baseline?: string): string {
  const base = (baseline === undefined ? undefined : facts.find((f) => f.name === baseline)) ?? facts[0];
  if (!base || facts.length < 2) return '';
  const items = facts
    .filter((f) => f !== base)
    .map((f) => {
      const parts = [
        change(f.compressedSize, base.compressedSize) && `${change(f.compressedSize, base.compressedSize)} compressed`,
        difference(f.packages, base.packages, 'package'),
      ];
      if (f.vulnerabilities && base.vulnerabilities) {
        parts.push(difference(f.vulnerabilities.findings, base.vulnerabilities.findings, 'finding'));
      }
      parts.push(f.shells.length === 0 ? 'no shell' : 'a shell');
      parts.push(f.user.root ? 'runs as root' : `runs as ${userText(f)}`);
      const said = parts.filter((p) => p !== '').join(', ');
      return `<li><code>${e(f.name)}</code> against <code>${e(base.name)}</code>: ${e(said)}.</li>`;
    });
  return `<ul class="highlights">\n${items.join('\n')}\n</ul>`;
}

function sizeChart(facts: readonly ImageReportFacts[]): string {
  const rows: BarRow[] = facts.map((f) => ({
    label: f.name,
    segments: [
      { value: f.compressedSize, className: 'bar-size', title: `${formatBytes(f.compressedSize)} compressed` },
    ],
    valueText: formatBytes(f.compressedSize),
  }));
  return figure('chart-size', 'Compressed size', barChart({ id: 'chart-size', title: 'Compressed size', rows }));
}

function packagesChart(facts: readonly ImageReportFacts[]): string {
  const rows: BarRow[] = facts.map((f) => ({
    label: f.name,
    segments: [{ value: f.packages, className: 'bar-packages', title: plural(f.packages, 'package') }],
    valueText: plural(f.packages, 'package'),
  }));
  return figure('chart-packages', 'Packages', barChart({ id: 'chart-packages', title: 'Packages', rows }));
}

function vulnerabilityChart(facts: readonly ImageReportFacts[]): string {
  const rows: BarRow[] = facts.map((f) => {
    const v = f.vulnerabilities;
    if (v === null) return { label: f.name, segments: [], valueText: 'not scanned' };
    return {
      label: f.name,
      segments: SEVERITIES.map((s) => ({
        value: v.bySeverity[s],
        className: `sev-${s.toLowerCase()}`,
        title: `${s}: ${v.bySeverity[s]}`,
      })),
      valueText: plural(v.findings, 'finding'),
    };
  });
  const title = 'Vulnerabilities by severity';
  const legend = SEVERITIES.map(
    (s) => `<li><span class="swatch sev-${s.toLowerCase()}" aria-hidden="true"></span>${e(s)}</li>`,
  ).join('');
  const note = facts.every((f) => f.vulnerabilities === null)
    ? '<p class="muted">Not scanned: give advisory sources with <code>--db</code>.</p>'
    : '';
  return figure(
    'chart-vulnerabilities',
    title,
    `${barChart({ id: 'chart-vulnerabilities', title, rows })}\n<ul class="legend">${legend}</ul>${note}`,
  );
}

function figure(id: string, caption: string, body: string): string {
  return `<figure id="${id}-figure">\n<figcaption>${e(caption)}</figcaption>\n${body}\n</figure>`;
}

function licenseTable(f: ImageReportFacts, i: number): string {
  const heading = `<h3 id="licenses-${i}"><code>${e(f.name)}</code></h3>`;
  if (f.licenses.length === 0)
    return `<section class="license-image" aria-labelledby="licenses-${i}">\n${heading}\n<p class="muted">No APK packages, so no licenses to count.</p>\n</section>`;
  const rows = f.licenses.map(
    (l) =>
      `<tr><td><code>${e(l.license)}</code>${l.spdx ? '' : ' <span class="muted">(not an SPDX id)</span>'}</td><td class="num">${e(formatCount(l.packages))}</td></tr>`,
  );
  return [
    `<section class="license-image" aria-labelledby="licenses-${i}">`,
    heading,
    '<table>',
    `<caption>${e(plural(f.licenses.length, 'license'))} over ${e(plural(f.packages, 'package'))}</caption>`,
    '<thead><tr><th scope="col">License</th><th scope="col" class="num">Packages</th></tr></thead>',
    `<tbody>\n${rows.join('\n')}\n</tbody>`,
    '</table>',
    '</section>',
  ].join('\n');
}

/** The whole page. The same facts and options always give the same bytes. */
export function renderReport(facts: readonly ImageReportFacts[], options: ReportOptions): string {
  const tool = options.tool ?? 'lupine';
  const when = isoTime(options.generatedAt);
  const names = facts.map((f) => `<code>${e(f.name)}</code>`).join(', ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="${e(tool)}">
<title>${e(options.title)}</title>
<style>${PAGE_CSS}</style>
</head>
<body>
<header>
<h1>${e(options.title)}</h1>
<p class="subtitle">${e(plural(facts.length, 'image'))} side by side: ${names}</p>
</header>
<main>
<section aria-labelledby="summary">
<h2 id="summary">Summary</h2>
${sourcesText(facts, options)}
${highlights(facts, options.baseline)}
${summaryTable(facts)}
</section>
<section aria-labelledby="charts">
<h2 id="charts">Charts</h2>
${sizeChart(facts)}
${packagesChart(facts)}
${vulnerabilityChart(facts)}
</section>
<section aria-labelledby="licenses">
<h2 id="licenses">Licenses</h2>
<p class="muted">Installed packages per license, from the <code>L:</code> field of the APK database; a package under an expression counts once for each license it names.</p>
<div class="licenses">
${facts.map(licenseTable).join('\n')}
</div>
</section>
</main>
<footer>
<p>Generated by ${e(tool)} at <time datetime="${when}">${when}</time>. Vulnerability counts are findings (package and vulnerability) against the advisory sources given; this page loads nothing from the network.</p>
</footer>
</body>
</html>
`;
}
