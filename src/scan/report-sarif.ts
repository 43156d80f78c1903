/**
 * SARIF 2.1.0: one rule per vulnerability (with `security-severity`, which code-scanning UIs read),
 * one result per finding, located at the package database (physical) and the package (logical).
 */
import { sha256Hex } from '../core/index.js';
import type { Finding } from './match.js';
import { advisoryUrl, packagePurl, type ScanReport, STATE_WORDS } from './report.js';
import { cvss2Score, cvss3Score, type Severity, severityScore } from './severity.js';

function level(s: Severity): 'error' | 'warning' | 'note' {
  if (s === 'Critical' || s === 'High') return 'error';
  if (s === 'Medium') return 'warning';
  return 'note';
}

/** GitHub's `security-severity`: the CVSS score when known, else the middle of the band; none for Unknown. */
function securitySeverity(f: Finding): string | undefined {
  const score = f.cvss ? (cvss3Score(f.cvss) ?? cvss2Score(f.cvss)) : undefined;
  if (score !== undefined) return score.toFixed(1);
  return f.severity === 'Unknown' ? undefined : severityScore(f.severity).toFixed(1);
}

function message(f: Finding): string {
  const pkg = `${f.package.name} ${f.package.version}${f.package.arch ? ` (${f.package.arch})` : ''}`;
  const via = f.matchedBy === 'origin' ? ` through its origin ${f.matchedPackage}` : '';
  const fix = f.state === 'fixed' ? `fixed in ${f.fixedIn}` : STATE_WORDS[f.state];
  return `${pkg} is affected by ${f.vulnerability}${via} (${f.severity}; ${fix}).`;
}

/** The SARIF rule of one vulnerability, described from its first finding. */
function sarifRule(id: string, f: Finding) {
  const text = f.summary || `${id}${f.aliases.length ? ` (${f.aliases.join(', ')})` : ''}`;
  return {
    id,
    name: id,
    shortDescription: { text },
    fullDescription: { text: `${text}${f.cvss ? ` CVSS: ${f.cvss}` : ''}` },
    helpUri: advisoryUrl(id),
    help: { text: `See ${advisoryUrl(id)}` },
    defaultConfiguration: { level: level(f.severity) },
    properties: {
      ...(securitySeverity(f) ? { 'security-severity': securitySeverity(f) } : {}),
      tags: ['security', 'vulnerability', f.severity.toLowerCase()],
      ...(f.aliases.length ? { aliases: f.aliases } : {}),
    },
  };
}

/** The SARIF result of one finding. */
function sarifResult(f: Finding, ruleIndex: number, r: ScanReport) {
  return {
    ruleId: f.vulnerability,
    ruleIndex,
    level: level(f.severity),
    message: { text: message(f) },
    locations: [
      {
        physicalLocation: { artifactLocation: { uri: r.location } },
        logicalLocations: [
          {
            name: f.package.name,
            fullyQualifiedName: packagePurl(f.package, r.distro),
            kind: 'package',
          },
        ],
      },
    ],
    partialFingerprints: {
      'lupinePackageVulnerability/v1': sha256Hex(
        Buffer.from(`${f.package.name}\0${f.package.version}\0${f.package.arch}\0${f.vulnerability}`),
      ),
    },
    properties: {
      package: f.package.name,
      installedVersion: f.package.version,
      fixedVersion: f.fixedIn,
      state: f.state,
      severity: f.severity,
    },
  };
}

export function reportSarif(r: ScanReport): string {
  const ruleIds = [...new Set(r.findings.map((f) => f.vulnerability))].sort();
  const byRule = new Map(ruleIds.map((id, i) => [id, i]));
  const rules = ruleIds.map((id) => sarifRule(id, r.findings.find((x) => x.vulnerability === id) as Finding));
  const results = r.findings.map((f) => sarifResult(f, byRule.get(f.vulnerability) as number, r));
  const doc = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'lupine',
            version: r.toolVersion,
            semanticVersion: r.toolVersion,
            rules,
          },
        },
        automationDetails: { id: `lupine-scan/${r.target}` },
        ...(r.notScanned
          ? {
              invocations: [
                {
                  executionSuccessful: false,
                  toolExecutionNotifications: [
                    { level: 'error', message: { text: `${r.target}: not scanned: ${r.notScanned}` } },
                  ],
                },
              ],
            }
          : {}),
        properties: { advisorySources: r.sources.map((x) => ({ name: x.name, date: x.date, formats: x.formats })) },
        results,
      },
    ],
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}
