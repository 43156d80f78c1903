/**
 * Merging a package's own SPDX document (melange's `/var/lib/db/sbom/…spdx.json`) into an image
 * SBOM the way apko does: the described package and everything reachable from it through
 * relationships is copied, files left out, deduped by SPDXID. The described APK package itself is
 * the one lupine generated (same name), so references to it are renamed to lupine's SPDXID and its
 * non-purl external references (e.g. a CPE) are added to lupine's entry.
 */
import { checkLicenseExpression, type ExtractedLicense, spdxLicenseFor } from './license-expression.js';
import type { SpdxBuilder } from './spdx-builder.js';
import { sanitizeSpdxId } from './spdx-ids.js';
import type { SpdxExternalRef, SpdxPackage } from './spdx-types.js';

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

const PURPOSES = new Set([
  'APPLICATION',
  'FRAMEWORK',
  'LIBRARY',
  'CONTAINER',
  'OPERATING_SYSTEM',
  'DEVICE',
  'FIRMWARE',
  'SOURCE',
  'ARCHIVE',
  'FILE',
  'INSTALL',
  'OTHER',
]);

/** SPDX 2.3 package fields that are copied; file fields (hasFiles, verification code, …) are not. */
const PACKAGE_FIELDS = new Set([
  'SPDXID',
  'annotations',
  'attributionTexts',
  'builtDate',
  'checksums',
  'comment',
  'copyrightText',
  'description',
  'downloadLocation',
  'externalRefs',
  'homepage',
  'licenseComments',
  'licenseConcluded',
  'licenseDeclared',
  'name',
  'originator',
  'packageFileName',
  'primaryPackagePurpose',
  'releaseDate',
  'sourceInfo',
  'summary',
  'supplier',
  'validUntilDate',
  'versionInfo',
]);

/** External references with the 2.3 category spelling (`PACKAGE_MANAGER` is 2.3.1's). */
function copyExternalRefs(refs: unknown): SpdxExternalRef[] | undefined {
  if (!Array.isArray(refs)) return undefined;
  const out: SpdxExternalRef[] = [];
  for (const r of refs) {
    if (!isObject(r)) continue;
    const { referenceCategory, referenceType, referenceLocator, comment } = r;
    if (typeof referenceCategory !== 'string' || typeof referenceType !== 'string') continue;
    if (typeof referenceLocator !== 'string') continue;
    out.push({
      referenceCategory: referenceCategory.replace(/_/g, '-'),
      referenceType,
      referenceLocator,
      ...(typeof comment === 'string' ? { comment } : {}),
    });
  }
  return out;
}

function copyLicense(value: unknown, known: ReadonlySet<string>, builder: SpdxBuilder): string | undefined {
  if (typeof value !== 'string') return undefined;
  const valid = checkLicenseExpression(value);
  if (valid !== undefined) {
    const refs = valid.match(/LicenseRef-[A-Za-z0-9.-]+/g) ?? [];
    if (refs.every((r) => known.has(r) || builder.licenses.has(r))) return valid;
  }
  return spdxLicenseFor(value, builder.licenses);
}

/** Copies one embedded SPDX document into the builder. Returns false when it is not an SPDX 2.x document. */
export function mergeEmbeddedSpdx(
  builder: SpdxBuilder,
  doc: unknown,
  apk: { readonly spdxId: string; readonly name: string },
): boolean {
  if (!isObject(doc) || typeof doc.spdxVersion !== 'string' || !doc.spdxVersion.startsWith('SPDX-2')) return false;
  const pkgs = new Map<string, Json>();
  for (const p of Array.isArray(doc.packages) ? doc.packages : []) {
    if (isObject(p) && typeof p.SPDXID === 'string') pkgs.set(p.SPDXID, p);
  }
  const rels = (Array.isArray(doc.relationships) ? doc.relationships : []).filter(
    (r): r is { spdxElementId: string; relationshipType: string; relatedSpdxElement: string } =>
      isObject(r) &&
      typeof r.spdxElementId === 'string' &&
      typeof r.relationshipType === 'string' &&
      typeof r.relatedSpdxElement === 'string',
  );
  const described = new Set(strings(doc.documentDescribes));
  for (const r of rels) {
    if (r.spdxElementId === doc.SPDXID && r.relationshipType === 'DESCRIBES') described.add(r.relatedSpdxElement);
  }

  // Rename the embedded entry for this APK to ours; every other id keeps its (sanitized) name.
  const rename = new Map<string, string>();
  for (const id of described) {
    const p = pkgs.get(id);
    if (p && p.name === apk.name) rename.set(id, apk.spdxId);
  }
  const mapId = (id: string): string => rename.get(id) ?? `SPDXRef-${sanitizeSpdxId(id.replace(/^SPDXRef-/, ''))}`;

  // Everything reachable from the described packages, packages only (files are left out).
  const reach = reachablePackages(described, pkgs, rels);
  const extracted = extractedLicenses(doc.hasExtractedLicensingInfos);
  const knownRefs = new Set(extracted.keys());
  for (const info of extracted.values()) builder.licenses.adopt(info);

  for (const id of [...reach].sort()) {
    const src = pkgs.get(id) as Json;
    const newId = mapId(id);
    if (newId === apk.spdxId) {
      addExternalRefs(builder, apk.spdxId, src.externalRefs);
      continue;
    }
    if (builder.hasPackage(newId)) continue;
    const copy: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(src)) if (PACKAGE_FIELDS.has(k)) copy[k] = v;
    copy.SPDXID = newId;
    copy.filesAnalyzed = false;
    const refs = copyExternalRefs(src.externalRefs);
    if (refs === undefined) delete copy.externalRefs;
    else copy.externalRefs = refs;
    if (typeof copy.downloadLocation !== 'string') copy.downloadLocation = 'NOASSERTION';
    if (typeof copy.name !== 'string') copy.name = newId;
    if (typeof copy.primaryPackagePurpose === 'string') {
      const purpose = copy.primaryPackagePurpose.replace(/-/g, '_');
      if (PURPOSES.has(purpose)) copy.primaryPackagePurpose = purpose;
      else delete copy.primaryPackagePurpose;
    }
    for (const f of ['licenseDeclared', 'licenseConcluded']) {
      const l = copyLicense(copy[f], knownRefs, builder);
      if (l === undefined) delete copy[f];
      else copy[f] = l;
    }
    builder.ids.claim(newId);
    builder.addPackage(copy as unknown as SpdxPackage);
  }
  for (const r of rels) {
    if (!reach.has(r.spdxElementId) || !reach.has(r.relatedSpdxElement)) continue;
    builder.relate(mapId(r.spdxElementId), r.relationshipType, mapId(r.relatedSpdxElement));
  }
  return true;
}

/** The described packages and every package reachable from them through relationships. */
function reachablePackages(
  described: ReadonlySet<string>,
  pkgs: ReadonlyMap<string, Json>,
  rels: readonly { readonly spdxElementId: string; readonly relatedSpdxElement: string }[],
): Set<string> {
  const reach = new Set<string>([...described].filter((id) => pkgs.has(id)));
  const queue = [...reach];
  for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
    for (const r of rels) {
      if (r.spdxElementId === id && pkgs.has(r.relatedSpdxElement) && !reach.has(r.relatedSpdxElement)) {
        reach.add(r.relatedSpdxElement);
        queue.push(r.relatedSpdxElement);
      }
    }
  }
  return reach;
}

/** The document's `hasExtractedLicensingInfos` with well-formed `LicenseRef-` ids, by id. */
function extractedLicenses(infos: unknown): Map<string, ExtractedLicense> {
  const extracted = new Map<string, ExtractedLicense>();
  for (const e of Array.isArray(infos) ? infos : []) {
    if (isObject(e) && typeof e.licenseId === 'string' && /^LicenseRef-[A-Za-z0-9.-]+$/.test(e.licenseId)) {
      extracted.set(e.licenseId, {
        licenseId: e.licenseId,
        name: typeof e.name === 'string' ? e.name : e.licenseId,
        extractedText: typeof e.extractedText === 'string' ? e.extractedText : 'NOASSERTION',
        ...(typeof e.comment === 'string' ? { comment: e.comment } : {}),
      });
    }
  }
  return extracted;
}

function addExternalRefs(builder: SpdxBuilder, id: string, refs: unknown): void {
  const ours = builder.getPackage(id);
  if (!ours) return;
  const list: SpdxExternalRef[] = [...(ours.externalRefs ?? [])];
  for (const r of copyExternalRefs(refs) ?? []) {
    if (r.referenceType === 'purl') continue;
    if (list.some((x) => x.referenceType === r.referenceType && x.referenceLocator === r.referenceLocator)) continue;
    list.push(r);
  }
  builder.replacePackage({ ...ours, externalRefs: list });
}
