/** The human-readable report: an aligned table and a summary line by severity. */

import { termSafe } from '../core/index.js';
import { summarize } from './filter.js';
import { type ScanReport, STATE_WORDS } from './report.js';
import { SEVERITIES } from './severity.js';

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** `Critical 1, High 3, Unknown 2` (only severities that occur). */
function bySeverityText(counts: Readonly<Record<string, number>>): string {
  return SEVERITIES.filter((s) => (counts[s] ?? 0) > 0)
    .map((s) => `${s} ${counts[s]}`)
    .join(', ');
}

export function summaryLine(r: ScanReport): string {
  return termSafe(summaryText(r));
}

function summaryText(r: ScanReport): string {
  const distro =
    r.distro.id === 'unknown'
      ? 'unknown distro'
      : `${r.distro.id}${r.distro.versionId ? ` ${r.distro.versionId}` : ''}`;
  const scanned = `${plural(r.packages, 'package')} (${distro}) against ${plural(r.advisories, 'advisory entry', 'advisory entries')}`;
  if (r.notScanned) return `Not scanned: ${r.notScanned} (${plural(r.packages, 'package')}, ${distro}); no verdict.`;
  const more = r.findings.length > 0 ? ' more' : '';
  const hidden = r.hidden > 0 ? ` ${r.hidden}${more} left out by --only-fixed / --ignore.` : '';
  if (r.findings.length === 0) {
    return `${r.hidden > 0 ? 'No vulnerabilities to show' : 'No vulnerabilities found'} in ${scanned}.${hidden}`;
  }
  const s = summarize(r.findings);
  const affected = new Set(r.findings.map((f) => `${f.package.name}\0${f.package.version}\0${f.package.arch}`)).size;
  return (
    `${plural(s.total, 'finding')} (${plural(s.vulnerabilities, 'vulnerability', 'vulnerabilities')}) in ` +
    `${affected} of ${scanned}: ${bySeverityText(s.bySeverity)}; ${s.fixable} with a fix available.${hidden}`
  );
}

/** The advisory sources line: `Advisories: a.json (2024-05-02), dir/ (…)`. */
export function sourcesLine(r: ScanReport): string {
  if (r.sources.length === 0) return '';
  const list = r.sources.map(
    (x) => `${x.name} (${x.formats.join(', ')}, ${x.date ? x.date.slice(0, 10) : 'date unknown'})`,
  );
  return `Advisories: ${termSafe(list.join('; '))}\n`;
}

/** The table and the summary line; without findings only the summary line. */
export function reportTable(r: ScanReport): string {
  if (r.findings.length === 0) return `${summaryLine(r)}\n`;
  const arches = new Set(r.findings.map((f) => f.package.arch));
  const withArch = arches.size > 1;
  const head = ['NAME', 'INSTALLED', ...(withArch ? ['ARCH'] : []), 'FIXED IN', 'VULNERABILITY', 'SEVERITY', 'STATE'];
  // Every cell comes from data (package databases, advisories): printed safe for a terminal.
  const rows = r.findings.map((f) =>
    [
      f.package.name,
      f.package.version,
      ...(withArch ? [f.package.arch || '-'] : []),
      f.fixedIn,
      f.vulnerability,
      f.severity,
      STATE_WORDS[f.state],
    ].map(termSafe),
  );
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return `${[line(head), ...rows.map(line)].join('\n')}\n\n${summaryLine(r)}\n`;
}
