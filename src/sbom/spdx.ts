/**
 * SPDX 2.3 JSON for an inventory. Deterministic: the time comes from the caller's clock, the
 * namespace is derived from the subject's digest, ids are sanitized and unique, lists are sorted.
 */
import { apkIdentitySha1 } from '../apk/index.js';
import {
  isSha256Hex,
  osDisplayName,
  packageSupplier,
  purlForPackage,
  resolvedDependencies,
  type Supplier,
  sortPackages,
} from './apk-facts.js';
import {
  checkInventory,
  type ImageIndexInventory,
  type ImageInventory,
  type Inventory,
  type InventoryPackage,
  type OsInfo,
  type PackageInventory,
  subjectDigest,
  type VcsSource,
} from './inventory.js';
import { spdxLicenseFor } from './license-expression.js';
import { LICENSE_LIST_VERSION } from './license-list.js';
import { isoSeconds, nameUuid } from './name-uuid.js';
import { ociPurl } from './purl.js';
import { sourcePackageFacts } from './source-facts.js';
import { SpdxBuilder } from './spdx-builder.js';
import { mergeEmbeddedSpdx } from './spdx-embedded.js';
import { sanitizeSpdxId } from './spdx-ids.js';
import type { SpdxChecksum, SpdxDocument, SpdxExternalRef, SpdxPackage } from './spdx-types.js';

export interface SbomOptions {
  /** Creation time, seconds since the Unix epoch (from the Clock: SOURCE_DATE_EPOCH). */
  readonly created: number;
  readonly toolName: string;
  readonly toolVersion: string;
  /** Added to the creators as `Organization: …`. */
  readonly organization?: string;
  /** Base URI of SPDX document namespaces; default `https://spdx.org/spdxdocs/<toolName>/`. */
  readonly namespaceBase?: string;
}

const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const UNKNOWN_OS: OsInfo = { id: 'unknown', versionId: '', name: '', prettyName: '', homeUrl: '' };

function supplierText(s: Supplier | undefined): string {
  if (s === undefined) return 'NOASSERTION';
  return `Organization: ${s.name}${s.email ? ` (${s.email})` : ''}`;
}

function orgSupplier(name: string | undefined): string {
  return name === undefined || name === '' ? 'NOASSERTION' : `Organization: ${name}`;
}

function purlRef(locator: string): SpdxExternalRef {
  return { referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: locator };
}

function sha256Of(digest: string): SpdxChecksum[] {
  const hex = digest.replace(/^sha256:/, '');
  return isSha256Hex(hex) ? [{ algorithm: 'SHA256', checksumValue: hex }] : [];
}

function apkPackage(b: SpdxBuilder, id: string, pkg: InventoryPackage, os: OsInfo, supplier?: string): SpdxPackage {
  const checksums: SpdxChecksum[] = [];
  const sha1 = apkIdentitySha1(pkg.identity);
  if (sha1) checksums.push({ algorithm: 'SHA1', checksumValue: sha1 });
  if (isSha256Hex(pkg.datahash)) checksums.push({ algorithm: 'SHA256', checksumValue: pkg.datahash });
  const source: string[] = [];
  if (pkg.origin !== '' && pkg.origin !== pkg.name) source.push(`origin package ${pkg.origin}`);
  if (pkg.commit !== '') source.push(`commit ${pkg.commit}`);
  return {
    SPDXID: id,
    name: pkg.name,
    versionInfo: pkg.version,
    filesAnalyzed: false,
    ...(pkg.description ? { description: pkg.description } : {}),
    downloadLocation: pkg.downloadUrl || 'NOASSERTION',
    ...(/^https?:\/\/\S+$/.test(pkg.url) ? { homepage: pkg.url } : {}),
    ...(source.length > 0 ? { sourceInfo: `built from ${source.join(', ')}` } : {}),
    supplier: supplierText(packageSupplier(pkg, os, supplier)),
    licenseConcluded: 'NOASSERTION',
    licenseDeclared: spdxLicenseFor(pkg.license, b.licenses),
    copyrightText: 'NOASSERTION',
    primaryPackagePurpose: 'APPLICATION',
    ...(checksums.length > 0 ? { checksums } : {}),
    externalRefs: [purlRef(purlForPackage(pkg, os))],
  };
}

function osPackage(b: SpdxBuilder, os: OsInfo, supplier?: string): string {
  const id = b.ids.allocate('OperatingSystem-', os.id);
  b.addPackage({
    SPDXID: id,
    name: os.id,
    ...(os.versionId ? { versionInfo: os.versionId } : {}),
    filesAnalyzed: false,
    description: os.prettyName || 'Operating System',
    downloadLocation: 'NOASSERTION',
    ...(/^https?:\/\/\S+$/.test(os.homeUrl) ? { homepage: os.homeUrl } : {}),
    supplier: orgSupplier(supplier ?? osDisplayName(os)),
    primaryPackagePurpose: 'OPERATING_SYSTEM',
  });
  return id;
}

/** The fields that open a package the SBOM names without its files: a source, the recipe. */
function unanalysedPackage(
  id: string,
  at: { readonly name: string; readonly version: string; readonly downloadLocation: string },
  supplier: string,
) {
  return {
    SPDXID: id,
    name: at.name,
    versionInfo: at.version,
    filesAnalyzed: false,
    downloadLocation: at.downloadLocation,
    supplier,
  };
}

function vcsPackage(b: SpdxBuilder, src: VcsSource, supplier: string): string {
  const facts = sourcePackageFacts({ kind: 'git', repository: src.url, commit: src.commit }, '');
  const id = b.ids.allocate('Package-Source-', `${facts.name}-${src.commit}`);
  b.addPackage({
    ...unanalysedPackage(id, facts, supplier),
    primaryPackagePurpose: 'SOURCE',
    externalRefs: [purlRef(facts.purl)],
  });
  return id;
}

/** Adds every APK package (DEPENDS_ON between them), the root CONTAINS each, then the embedded SBOMs. */
function addApks(b: SpdxBuilder, root: string, pkgs: readonly InventoryPackage[], os: OsInfo, supplier?: string): void {
  const sorted = sortPackages(pkgs);
  const ids = sorted.map((p) => b.ids.allocate('Package-apk-', `${p.name}-${p.version}`));
  sorted.forEach((p, i) => {
    b.addPackage(apkPackage(b, ids[i] as string, p, os, supplier));
    b.relate(root, 'CONTAINS', ids[i] as string);
  });
  resolvedDependencies(sorted).forEach((targets, i) => {
    for (const t of targets) b.relate(ids[i] as string, 'DEPENDS_ON', ids[t] as string);
  });
  sorted.forEach((p, i) => {
    if (p.embeddedSpdx !== undefined) mergeEmbeddedSpdx(b, p.embeddedSpdx, { spdxId: ids[i] as string, name: p.name });
  });
}

function imagePackage(b: SpdxBuilder, img: ImageInventory, supplier: string, idPrefix: string): string {
  const id = b.ids.allocate(idPrefix, img.digest);
  const { platform } = img;
  b.addPackage({
    SPDXID: id,
    name: img.location.name,
    versionInfo: img.digest,
    filesAnalyzed: false,
    description: `container image for ${platform.os}/${platform.architecture}${platform.variant ? `/${platform.variant}` : ''}`,
    downloadLocation: 'NOASSERTION',
    supplier,
    primaryPackagePurpose: 'CONTAINER',
    checksums: sha256Of(img.digest),
    externalRefs: [
      purlRef(
        ociPurl({
          name: img.location.name,
          digest: img.digest,
          arch: platform.architecture,
          os: platform.os,
          mediaType: img.mediaType,
          repositoryUrl: img.location.repositoryUrl,
          ...(img.location.tag ? { tag: img.location.tag } : {}),
        }),
      ),
    ],
  });
  return id;
}

function buildImage(b: SpdxBuilder, img: ImageInventory): void {
  const supplier = orgSupplier(img.supplier ?? osDisplayName(img.os));
  const root = imagePackage(b, img, supplier, 'Package-Image-');
  b.relate('SPDXRef-DOCUMENT', 'DESCRIBES', root);
  for (const layer of img.layers) {
    const id = b.ids.allocate('Package-ImageLayer-', layer.digest);
    b.addPackage({
      SPDXID: id,
      name: layer.digest,
      versionInfo: layer.digest,
      filesAnalyzed: false,
      description: 'image layer',
      downloadLocation: 'NOASSERTION',
      supplier,
      primaryPackagePurpose: 'CONTAINER',
      checksums: sha256Of(layer.digest),
      externalRefs: [
        purlRef(
          ociPurl({
            name: img.location.name,
            digest: layer.digest,
            arch: img.platform.architecture,
            os: img.platform.os,
            mediaType: layer.mediaType,
            repositoryUrl: img.location.repositoryUrl,
          }),
        ),
      ],
    });
    b.relate(root, 'CONTAINS', id);
  }
  b.relate(root, 'CONTAINS', osPackage(b, img.os, img.supplier));
  if (img.source) b.relate(root, 'GENERATED_FROM', vcsPackage(b, img.source, supplier));
  addApks(b, root, img.packages, img.os, img.supplier);
}

function buildIndex(b: SpdxBuilder, idx: ImageIndexInventory): void {
  const supplier = orgSupplier(idx.supplier ?? osDisplayName(idx.images[0]?.os ?? UNKNOWN_OS));
  const root = b.ids.allocate('Package-ImageIndex-', idx.digest);
  b.addPackage({
    SPDXID: root,
    name: idx.location.name,
    versionInfo: idx.digest,
    filesAnalyzed: false,
    description: 'multi-arch image index',
    downloadLocation: 'NOASSERTION',
    supplier,
    primaryPackagePurpose: 'CONTAINER',
    checksums: sha256Of(idx.digest),
    externalRefs: [
      purlRef(
        ociPurl({
          name: idx.location.name,
          digest: idx.digest,
          mediaType: idx.mediaType || OCI_INDEX,
          repositoryUrl: idx.location.repositoryUrl,
          ...(idx.location.tag ? { tag: idx.location.tag } : {}),
        }),
      ),
    ],
  });
  b.relate('SPDXRef-DOCUMENT', 'DESCRIBES', root);
  for (const img of idx.images) b.relate(root, 'VARIANT_OF', imagePackage(b, img, supplier, 'Package-Image-'));
}

function buildPackage(b: SpdxBuilder, inv: PackageInventory): void {
  const pkg = inv.package;
  const root = b.ids.allocate('Package-apk-', `${pkg.name}-${pkg.version}`);
  b.addPackage(apkPackage(b, root, pkg, inv.os, inv.supplier));
  b.relate('SPDXRef-DOCUMENT', 'DESCRIBES', root);
  const supplier = orgSupplier(inv.supplier ?? osDisplayName(inv.os));
  const upstreamVersion = pkg.version.replace(/-r\d+$/, '');
  for (const src of inv.sources) {
    const facts = sourcePackageFacts(src, upstreamVersion);
    const id = b.ids.allocate('Package-Source-', `${facts.name}-${facts.version}`);
    b.addPackage({
      ...unanalysedPackage(id, facts, 'NOASSERTION'),
      // the recipe's license: what the package built from this source declares
      licenseDeclared: spdxLicenseFor(pkg.license, b.licenses),
      primaryPackagePurpose: 'SOURCE',
      ...(facts.checksum ? { checksums: [facts.checksum] } : {}),
      externalRefs: [purlRef(facts.purl)],
    });
    b.relate(root, 'GENERATED_FROM', id);
  }
  if (inv.recipe) {
    const facts = sourcePackageFacts(
      { kind: 'git', repository: inv.recipe.repository, commit: inv.recipe.commit },
      '',
      inv.recipe.path,
    );
    const id = b.ids.allocate('Package-Recipe-', `${inv.recipe.path}-${inv.recipe.commit}`);
    b.addPackage({
      ...unanalysedPackage(id, { ...facts, name: inv.recipe.path, version: inv.recipe.commit }, supplier),
      primaryPackagePurpose: 'INSTALL',
      externalRefs: [purlRef(facts.purl)],
    });
    b.relate(root, 'DESCRIBED_BY', id);
  }
}

function documentName(inv: Inventory): string {
  if (inv.kind === 'package') return `apk-${inv.package.name}-${inv.package.version}`;
  return `sbom-${inv.location.name}@${inv.digest}`;
}

/** The SPDX document namespace for an inventory: unique per subject digest and kind. */
export function spdxNamespace(inv: Inventory, base: string): string {
  const uuid = nameUuid(`spdx:${inv.kind}:${subjectDigest(inv)}`);
  return `${base.endsWith('/') ? base : `${base}/`}${sanitizeSpdxId(documentName(inv))}-${uuid}`;
}

/** SPDX 2.3 JSON (as a plain object; stringifySbom() writes it) for an image, an index or a package. */
export function toSpdx(inv: Inventory, opts: SbomOptions): SpdxDocument {
  checkInventory(inv);
  const b = new SpdxBuilder();
  if (inv.kind === 'image') buildImage(b, inv);
  else if (inv.kind === 'index') buildIndex(b, inv);
  else buildPackage(b, inv);
  const { packages, relationships } = b.finish();
  const creators = [`Tool: ${opts.toolName}-${opts.toolVersion}`];
  if (opts.organization) creators.push(`Organization: ${opts.organization}`);
  const extracted = b.licenses.extracted();
  return {
    spdxVersion: 'SPDX-2.3',
    dataLicense: 'CC0-1.0',
    SPDXID: 'SPDXRef-DOCUMENT',
    name: documentName(inv),
    documentNamespace: spdxNamespace(inv, opts.namespaceBase ?? `https://spdx.org/spdxdocs/${opts.toolName}/`),
    creationInfo: { created: isoSeconds(opts.created), creators, licenseListVersion: LICENSE_LIST_VERSION },
    packages,
    relationships,
    ...(extracted.length > 0 ? { hasExtractedLicensingInfos: extracted } : {}),
  };
}
