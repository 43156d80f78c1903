/**
 * JSON text with a stable key order: the keys SBOM readers expect first (in the order the SPDX or
 * the CycloneDX specification lists them), then any other keys alphabetically. 2-space indentation and
 * a final newline, so the same document always gives the same bytes.
 */
const SPDX_ORDER = [
  'spdxVersion',
  'dataLicense',
  'SPDXID',
  'name',
  'documentNamespace',
  'creationInfo',
  'created',
  'creators',
  'licenseListVersion',
  'versionInfo',
  'filesAnalyzed',
  'description',
  'downloadLocation',
  'homepage',
  'sourceInfo',
  'supplier',
  'originator',
  'licenseConcluded',
  'licenseDeclared',
  'copyrightText',
  'primaryPackagePurpose',
  'checksums',
  'algorithm',
  'checksumValue',
  'externalRefs',
  'referenceCategory',
  'referenceType',
  'referenceLocator',
  'packages',
  'relationships',
  'spdxElementId',
  'relationshipType',
  'relatedSpdxElement',
  'hasExtractedLicensingInfos',
  'licenseId',
  'extractedText',
];

const CYCLONEDX_ORDER = [
  'bomFormat',
  'specVersion',
  'serialNumber',
  'type',
  'bom-ref',
  'supplier',
  'group',
  'name',
  'version',
  'description',
  'metadata',
  'timestamp',
  'tools',
  'component',
  'scope',
  'hashes',
  'alg',
  'content',
  'licenses',
  'license',
  'id',
  'expression',
  'purl',
  'externalReferences',
  'url',
  'comment',
  'properties',
  'value',
  'components',
  'dependencies',
  'ref',
  'dependsOn',
];

type Rank = ReadonlyMap<string, number>;

const SPDX_RANK: Rank = new Map(SPDX_ORDER.map((k, i) => [k, i]));
const CYCLONEDX_RANK: Rank = new Map(CYCLONEDX_ORDER.map((k, i) => [k, i]));

function compareKeys(rank: Rank, a: string, b: string): number {
  const x = rank.get(a);
  const y = rank.get(b);
  if (x !== undefined && y !== undefined) return x - y;
  if (x !== undefined) return -1;
  if (y !== undefined) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

function ordered(rank: Rank, value: unknown): unknown {
  if (Array.isArray(value)) return value.map((v) => ordered(rank, v));
  if (value === null || typeof value !== 'object') return value;
  const src = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(src).sort((a, b) => compareKeys(rank, a, b))) {
    if (src[key] !== undefined) out[key] = ordered(rank, src[key]);
  }
  return out;
}

/** The document as stable JSON text (2 spaces, final newline). */
export function stringifySbom(doc: unknown): string {
  const cdx = typeof doc === 'object' && doc !== null && (doc as { bomFormat?: unknown }).bomFormat === 'CycloneDX';
  return `${JSON.stringify(ordered(cdx ? CYCLONEDX_RANK : SPDX_RANK, doc), null, 2)}\n`;
}
