/**
 * Severities as scanners show them, read from what the data says: a severity word, or a CVSS v4.0 /
 * v3.x / v2 vector turned into its score (by ae-cvss-calculator) and band.
 */
import { createRequire } from 'node:module';
import type * as CvssModule from 'ae-cvss-calculator';

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

/** The band of a CVSS v3/v4 base score (0 → Negligible); v2 has three bands. */
export function bandOfScore(score: number, version: 2 | 3 = 3): Severity {
  if (version === 2) return score >= 7 ? 'High' : score >= 4 ? 'Medium' : 'Low';
  if (score >= 9) return 'Critical';
  if (score >= 7) return 'High';
  if (score >= 4) return 'Medium';
  if (score > 0) return 'Low';
  return 'Negligible';
}

/**
 * The scoring itself is ae-cvss-calculator's (FIRST's formulas for v2, v3.0, v3.1 and v4.0). Its
 * package is a UMD bundle marked __esModule: Node's ESM loader hands its exports over as `default`,
 * a CommonJS require as the module itself.
 */
type CvssLib = typeof CvssModule;
// Loaded on the first vector scored: a scan of a compiled (cached) source never needs it.
let cvssLib: CvssLib | undefined;
function cvss(): CvssLib {
  if (!cvssLib) {
    const m = createRequire(import.meta.url)('ae-cvss-calculator') as CvssLib;
    cvssLib = 'Cvss3P1' in m && typeof m.Cvss3P1 === 'function' ? m : (m as unknown as { default: CvssLib }).default;
  }
  return cvssLib;
}

/** A base score from the library; undefined when it refuses the vector or gives no number. */
function scoreWith(make: () => { calculateScores(): { base?: number; overall?: number } }): number | undefined {
  try {
    const s = make().calculateScores();
    const score = s.base ?? s.overall;
    return typeof score === 'number' && Number.isFinite(score) ? score : undefined;
  } catch {
    return undefined;
  }
}

/** Whether every base metric of a vector is given (the library fills missing ones with defaults). */
function hasMetrics(vector: string, required: readonly string[]): boolean {
  const given = new Set(vector.split('/').map((p) => p.split(':')[0]));
  return required.every((m) => given.has(m));
}

const V3_BASE = ['AV', 'AC', 'PR', 'UI', 'S', 'C', 'I', 'A'] as const;
const V2_BASE = ['AV', 'AC', 'Au', 'C', 'I', 'A'] as const;
const V4_BASE = ['AV', 'AC', 'AT', 'PR', 'UI', 'VC', 'VI', 'VA', 'SC', 'SI', 'SA'] as const;

/** The base score of a CVSS v3.0/v3.1 vector (`CVSS:3.1/AV:N/…`); undefined when it is not one. */
export function cvss3Score(vector: string): number | undefined {
  const m = /^CVSS:3\.([01])\//.exec(vector);
  if (!m || !hasMetrics(vector, V3_BASE)) return undefined;
  return scoreWith(() => (m[1] === '1' ? new (cvss().Cvss3P1)(vector) : new (cvss().Cvss3P0)(vector)));
}

/** The base score of a CVSS v2 vector (`AV:N/AC:L/Au:N/C:P/I:P/A:P`, optionally `(…)`). */
export function cvss2Score(vector: string): number | undefined {
  const v = vector.replace(/^\(|\)$/g, '').replace(/^CVSS:2\.0\//, '');
  if (!/^AV:/.test(v) || !hasMetrics(v, V2_BASE)) return undefined;
  return scoreWith(() => new (cvss().Cvss2)(v));
}

/** The score of a CVSS v4.0 vector (`CVSS:4.0/AV:N/…`); undefined when it is not one. */
export function cvss4Score(vector: string): number | undefined {
  if (!/^CVSS:4\.0\//.test(vector) || !hasMetrics(vector, V4_BASE)) return undefined;
  return scoreWith(() => new (cvss().Cvss4P0)(vector));
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
  const s4 = cvss4Score(t);
  if (s4 !== undefined) return bandOfScore(s4);
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
