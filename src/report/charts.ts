/**
 * Horizontal bar charts as inline SVG (pure): one bar per image, a text label on every bar, a title and
 * a description for screen readers. Colours come from the page's CSS classes.
 */
import { escapeHtml, shortLabel } from './html-text.js';

export interface BarSegment {
  readonly value: number;
  /** CSS class of the segment (`bar`, `sev-critical`, …). */
  readonly className: string;
  /** What the segment is, for its tooltip (`High: 3`). */
  readonly title: string;
}

export interface BarRow {
  readonly label: string;
  /** Stacked left to right; one segment for a plain bar; empty for no data. */
  readonly segments: readonly BarSegment[];
  /** The text after the bar (`1.20 MiB`, `12 findings`, `not scanned`). */
  readonly valueText: string;
}

export interface BarChartSpec {
  /** Unique in the page: the SVG's title and desc ids derive from it. */
  readonly id: string;
  readonly title: string;
  readonly rows: readonly BarRow[];
}

const WIDTH = 760;
const LABEL_RIGHT = 222;
const BAR_LEFT = 232;
const BAR_WIDTH = 400;
const ROW = 34;
const BAR = 22;
const PAD = 10;
const LABEL_CHARS = 30;

const px = (n: number): string => String(Math.round(n * 10) / 10);

/** The SVG of one chart; bars scale to the largest total. */
export function barChart(spec: BarChartSpec): string {
  const totals = spec.rows.map((r) => r.segments.reduce((n, s) => n + s.value, 0));
  const max = Math.max(0, ...totals);
  const height = PAD * 2 + ROW * spec.rows.length;
  const id = escapeHtml(spec.id);
  const desc = spec.rows.map((r) => `${r.label}: ${r.valueText}`).join('; ');
  const out: string[] = [
    `<svg class="chart" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" role="img" aria-labelledby="${id}-title ${id}-desc">`,
    `<title id="${id}-title">${escapeHtml(spec.title)}</title>`,
    `<desc id="${id}-desc">${escapeHtml(desc)}</desc>`,
    `<line class="axis" x1="${BAR_LEFT}" y1="${PAD / 2}" x2="${BAR_LEFT}" y2="${height - PAD / 2}"/>`,
  ];
  spec.rows.forEach((row, i) => {
    const y = PAD + ROW * i + (ROW - BAR) / 2;
    const mid = px(y + BAR / 2);
    out.push('<g>');
    out.push(
      `<text class="label" x="${LABEL_RIGHT}" y="${mid}" dy="0.35em" text-anchor="end"><title>${escapeHtml(row.label)}</title>${escapeHtml(shortLabel(row.label, LABEL_CHARS))}</text>`,
    );
    let x = BAR_LEFT;
    for (const s of row.segments) {
      if (s.value <= 0 || max === 0) continue;
      const w = Math.max(2, (s.value / max) * BAR_WIDTH);
      out.push(
        `<rect class="${escapeHtml(s.className)}" x="${px(x)}" y="${px(y)}" width="${px(w)}" height="${BAR}"><title>${escapeHtml(`${row.label} — ${s.title}`)}</title></rect>`,
      );
      x += w;
    }
    out.push(`<text class="value" x="${px(x + 8)}" y="${mid}" dy="0.35em">${escapeHtml(row.valueText)}</text>`);
    out.push('</g>');
  });
  out.push('</svg>');
  return out.join('\n');
}
