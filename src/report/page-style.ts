/** The report page's stylesheet, inlined into the page (no network assets). */
export const PAGE_CSS = `
:root { --fg: #1f2937; --muted: #4b5563; --line: #d1d5db; --zebra: #f3f4f6; --accent: #1d4ed8; }
* { box-sizing: border-box; }
body { margin: 0 auto; padding: 24px 32px 40px; max-width: 1180px; color: var(--fg); background: #fff;
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
header { border-bottom: 3px solid var(--accent); margin-bottom: 24px; }
h1 { font-size: 1.8rem; margin: 0 0 4px; }
h2 { font-size: 1.3rem; margin: 32px 0 12px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
h3 { font-size: 1.05rem; margin: 20px 0 8px; }
.subtitle { color: var(--muted); margin: 0 0 12px; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.9em; overflow-wrap: anywhere; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; margin: 8px 0 16px; }
caption { text-align: left; color: var(--muted); padding: 4px 0; caption-side: top; }
th, td { border: 1px solid var(--line); padding: 6px 10px; text-align: left; vertical-align: top; }
thead th { background: #e5e7eb; }
tbody tr:nth-child(even) { background: var(--zebra); }
tbody th { font-weight: 600; white-space: nowrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.summary { table-layout: fixed; }
.summary td, .summary th { min-width: 0; overflow-wrap: anywhere; }
.summary tbody th { white-space: normal; width: 9em; }
details.ids ul { margin: 4px 0 0; padding-left: 1.2em; columns: 2; }
.sources ul { margin: 0 0 8px; }
.warn { color: #991b1b; font-weight: 600; }
.good { color: #166534; font-weight: 600; }
.muted { color: var(--muted); }
.highlights li { margin: 2px 0; }
figure { margin: 16px 0 24px; break-inside: avoid; }
figcaption { font-weight: 600; margin-bottom: 4px; }
svg.chart { display: block; max-width: 100%; height: auto; font-size: 13px; }
svg.chart .label { fill: var(--fg); }
svg.chart .value { fill: var(--fg); font-weight: 600; }
svg.chart .axis { stroke: #9ca3af; stroke-width: 1; }
.bar-size { fill: #2563eb; }
.bar-packages { fill: #0f766e; }
.sev-critical { fill: #7f1d1d; background: #7f1d1d; }
.sev-high { fill: #dc2626; background: #dc2626; }
.sev-medium { fill: #f97316; background: #f97316; }
.sev-low { fill: #eab308; background: #eab308; }
.sev-negligible { fill: #a3a3a3; background: #a3a3a3; }
.sev-unknown { fill: #6b7280; background: #6b7280; }
.legend { list-style: none; padding: 0; margin: 4px 0 0; display: flex; flex-wrap: wrap; gap: 4px 18px; }
.legend .swatch { display: inline-block; width: 12px; height: 12px; margin-right: 6px; vertical-align: -1px; border-radius: 2px; }
.licenses { display: grid; grid-template-columns: repeat(auto-fit, minmax(320px, 1fr)); gap: 0 28px; }
footer { margin-top: 40px; padding-top: 8px; border-top: 1px solid var(--line); color: var(--muted); font-size: 0.9rem; }
@media print {
  body { max-width: none; padding: 0; font-size: 10.5pt; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  h2 { break-after: avoid; }
  table, figure, section.license-image { break-inside: avoid; }
  .table-wrap { overflow: visible; }
}
`;
