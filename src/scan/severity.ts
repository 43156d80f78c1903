/**
 * Severities as scanners show them, read from what the data says: a severity word, or a CVSS v3.x / v2
 * base vector turned into its score and band. CVSS v4 vectors carry no formula simple enough to
 * reproduce here, so they give `Unknown` unless the record also names a severity.
 */

export type Severity = 'Critical' | 'High' | 'Medium' | 'Low' | 'Negligible' | 'Unknown';

/** Highest first, the order of tables and summaries. */
export const SEVERITIES: readonly Severity[] = ['Critical', 'High', 'Medium', 'Low', 'Negligible', 'Unknown'];

const RANK: Record<Severity, number> = { Unknown: 0, Negligible: 1, Low: 2, Medium: 3, High: 4, Critical: 5 };

export function severityRank(s: Severity): number {
  return RANK[s];
}

/** The severity a word names (`HIGH`, `moderate`, `important`, …); undefined when it names none. */
export function parseSeverity(word: string): Severity | undefined {
  switch (word.trim().toLowerCase()) {
    case 'critical':
      return 'Critical';
    case 'high':
    case 'important':
      return 'High';
    case 'medium':
    case 'moderate':
      return 'Medium';
    case 'low':
      return 'Low';
    case 'negligible':
    case 'none':
    case 'minimal':
      return 'Negligible';
    case 'unknown':
      return 'Unknown';
    default:
      return undefined;
  }
}

/** The band of a CVSS v3 base score (0 → Negligible). */
export function bandOfScore(score: number, version: 2 | 3 = 3): Severity {
  if (version === 2) return score >= 7 ? 'High' : score >= 4 ? 'Medium' : 'Low';
  if (score >= 9) return 'Critical';
  if (score >= 7) return 'High';
  if (score >= 4) return 'Medium';
  if (score > 0) return 'Low';
  return 'Negligible';
}

function metrics(vector: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const part of vector.split('/')) {
    const [k, v] = part.split(':');
    if (k !== undefined && v !== undefined) m.set(k, v);
  }
  return m;
}

/** CVSS 3.1 Roundup: the smallest number with one decimal that is ≥ the input. */
function roundUp(x: number): number {
  const i = Math.round(x * 100000);
  return i % 10000 === 0 ? i / 100000 : (Math.floor(i / 10000) + 1) / 10;
}

const V3 = {
  AV: { N: 0.85, A: 0.62, L: 0.55, P: 0.2 },
  AC: { L: 0.77, H: 0.44 },
  UI: { N: 0.85, R: 0.62 },
  CIA: { H: 0.56, L: 0.22, N: 0 },
} as const;

/** The base score of a CVSS v3.0/v3.1 vector (`CVSS:3.1/AV:N/…`); undefined when it is not one. */
export function cvss3Score(vector: string): number | undefined {
  if (!/^CVSS:3\.[01]\//.test(vector)) return undefined;
  const m = metrics(vector);
  const get = <T extends Record<string, number>>(table: T, key: string): number | undefined =>
    table[m.get(key) as keyof T] as number | undefined;
  const av = get(V3.AV, 'AV');
  const ac = get(V3.AC, 'AC');
  const ui = get(V3.UI, 'UI');
  const c = get(V3.CIA, 'C');
  const i = get(V3.CIA, 'I');
  const a = get(V3.CIA, 'A');
  const scope = m.get('S');
  const changed = scope === 'C';
  const prTable = changed ? { N: 0.85, L: 0.68, H: 0.5 } : { N: 0.85, L: 0.62, H: 0.27 };
  const pr = get(prTable, 'PR');
  if ([av, ac, ui, c, i, a, pr].some((x) => x === undefined) || (scope !== 'U' && scope !== 'C')) return undefined;
  const iss = 1 - (1 - (c as number)) * (1 - (i as number)) * (1 - (a as number));
  const impact = changed ? 7.52 * (iss - 0.029) - 3.25 * (iss - 0.02) ** 15 : 6.42 * iss;
  const exploitability = 8.22 * (av as number) * (ac as number) * (pr as number) * (ui as number);
  if (impact <= 0) return 0;
  return changed
    ? roundUp(Math.min(1.08 * (impact + exploitability), 10))
    : roundUp(Math.min(impact + exploitability, 10));
}

const V2 = {
  AV: { L: 0.395, A: 0.646, N: 1 },
  AC: { H: 0.35, M: 0.61, L: 0.71 },
  Au: { M: 0.45, S: 0.56, N: 0.704 },
  CIA: { N: 0, P: 0.275, C: 0.66 },
} as const;

/** The base score of a CVSS v2 vector (`AV:N/AC:L/Au:N/C:P/I:P/A:P`, optionally `(…)`). */
export function cvss2Score(vector: string): number | undefined {
  const v = vector.replace(/^\(|\)$/g, '').replace(/^CVSS:2\.0\//, '');
  if (!/^AV:/.test(v)) return undefined;
  const m = metrics(v);
  const get = <T extends Record<string, number>>(table: T, key: string): number | undefined =>
    table[m.get(key) as keyof T] as number | undefined;
  const parts = [
    get(V2.AV, 'AV'),
    get(V2.AC, 'AC'),
    get(V2.Au, 'Au'),
    get(V2.CIA, 'C'),
    get(V2.CIA, 'I'),
    get(V2.CIA, 'A'),
  ];
  if (parts.some((x) => x === undefined)) return undefined;
  const [av, ac, au, c, i, a] = parts as number[];
  const impact = 10.41 * (1 - (1 - (c as number)) * (1 - (i as number)) * (1 - (a as number)));
  const exploitability = 20 * (av as number) * (ac as number) * (au as number);
  const f = impact === 0 ? 0 : 1.176;
  return Math.round((0.6 * impact + 0.4 * exploitability - 1.5) * f * 10) / 10;
}

const memo = new Map<string, Severity | undefined>();

/** The severity of a CVSS vector, or of a bare numeric score; undefined when neither can be read. */
export function severityOfCvss(vector: string): Severity | undefined {
  let s = memo.get(vector);
  if (s === undefined && !memo.has(vector)) {
    s = computeSeverity(vector);
    if (memo.size < 100_000) memo.set(vector, s);
  }
  return s;
}

function computeSeverity(vector: string): Severity | undefined {
  const t = vector.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return bandOfScore(Number(t));
  const s3 = cvss3Score(t);
  if (s3 !== undefined) return bandOfScore(s3);
  const s2 = cvss2Score(t);
  if (s2 !== undefined) return bandOfScore(s2, 2);
  return undefined;
}

/** The higher of two severities; a known one beats Unknown. */
export function maxSeverity(a: Severity, b: Severity): Severity {
  return RANK[b] > RANK[a] ? b : a;
}

/** A representative numeric score for a band (SARIF's `security-severity`). */
export function severityScore(s: Severity): number {
  return { Critical: 9.5, High: 8, Medium: 5.5, Low: 2, Negligible: 0.5, Unknown: 0 }[s];
}
