/**
 * An OpenVEX 0.2.0 document: `affected` / `under_investigation` statements for the findings, and
 * `not_affected` / `fixed` statements for the advisories that named an installed package but do not
 * apply to its version. The @id is derived from the statements, so the same scan gives the same bytes.
 */
import { sha256Hex } from '../core/index.js';
import type { Finding, Resolution } from './match.js';
import { packagePurl, type ScanReport } from './report.js';

const JUSTIFICATIONS = new Set([
  'component_not_present',
  'vulnerable_code_not_present',
  'vulnerable_code_not_in_execute_path',
  'vulnerable_code_cannot_be_controlled_by_adversary',
  'inline_mitigations_already_exist',
]);

interface Statement {
  vulnerability: { name: string; aliases?: string[] };
  products: { '@id': string }[];
  status: 'not_affected' | 'affected' | 'fixed' | 'under_investigation';
  justification?: string;
  impact_statement?: string;
  action_statement?: string;
  status_notes?: string;
}

function vulnerability(name: string, aliases: readonly string[]): Statement['vulnerability'] {
  return aliases.length ? { name, aliases: [...aliases] } : { name };
}

function fromFinding(f: Finding, product: string): Statement {
  const base = { vulnerability: vulnerability(f.vulnerability, f.aliases), products: [{ '@id': product }] };
  if (f.state === 'under-investigation') return { ...base, status: 'under_investigation' };
  const action =
    f.state === 'fixed'
      ? `Upgrade ${f.package.name} to ${f.fixedIn} or later.`
      : f.state === 'wont-fix'
        ? 'No fix is planned; remove the package or accept the risk.'
        : 'No fix is available yet.';
  return { ...base, status: 'affected', action_statement: action };
}

function fromResolution(x: Resolution, product: string): Statement {
  const base = { vulnerability: vulnerability(x.vulnerability, x.aliases), products: [{ '@id': product }] };
  if (x.status === 'fixed') {
    return { ...base, status: 'fixed', ...(x.fixedIn ? { status_notes: `fixed in ${x.fixedIn}` } : {}) };
  }
  const impact = x.note || `listed as not affected by ${x.sources.join(', ')}`;
  return JUSTIFICATIONS.has(x.justification)
    ? {
        ...base,
        status: 'not_affected',
        justification: x.justification,
        ...(x.note ? { impact_statement: x.note } : {}),
      }
    : { ...base, status: 'not_affected', impact_statement: impact };
}

export function reportOpenVex(r: ScanReport): string {
  // A target not scanned has no verdict: no statement at all (not_affected or fixed would be a
  // claim made without data), and the document says why in its tooling line.
  const statements: Statement[] = r.notScanned
    ? []
    : [
        ...r.findings.map((f) => fromFinding(f, packagePurl(f.package, r.distro))),
        ...r.resolutions.map((x) => fromResolution(x, packagePurl(x.package, r.distro))),
      ].sort(
        (a, b) =>
          cmp(a.vulnerability.name, b.vulnerability.name) ||
          cmp(a.products[0]?.['@id'] ?? '', b.products[0]?.['@id'] ?? ''),
      );
  const timestamp = new Date(Math.trunc(r.created) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const doc = {
    '@context': 'https://openvex.dev/ns/v0.2.0',
    '@id': `https://openvex.dev/docs/public/vex-${sha256Hex(JSON.stringify([r.target, statements]))}`,
    author: 'lupine',
    timestamp,
    version: 1,
    tooling: `lupine ${r.toolVersion}; ${
      r.notScanned ? `NOT SCANNED: ${r.notScanned}; this document makes no claim about ${r.target}; ` : ''
    }advisory sources: ${r.sources.map((x) => `${x.name} (${x.date || 'date unknown'})`).join(', ') || 'none named'}`,
    statements,
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
