export {
  checkInventory,
  embeddedSbomPaths,
  type ImageIndexInventory,
  type ImageInventory,
  type ImagePlatform,
  type InstalledInventory,
  type InstalledInventoryOptions,
  type Inventory,
  type InventoryLayer,
  type InventoryPackage,
  inventoryFromInstalled,
  inventoryPackage,
  type OciLocation,
  type OsInfo,
  type PackageInventory,
  type PackageRecipe,
  type PackageSource,
  subjectDigest,
  type VcsSource,
} from './inventory.js';
export { parseOsRelease } from './os-release.js';
export {
  type ApkPurlInput,
  apkPurl,
  formatPurl,
  genericPurl,
  githubPurl,
  githubRepository,
  type OciPurlInput,
  ociPurl,
  type Purl,
  parsePurl,
  purlEncode,
} from './purl.js';
export {
  checkLicenseExpression,
  type ExtractedLicense,
  formatLicenseExpression,
  LicenseRefs,
  type LicenseLeaf,
  type LicenseNode,
  licenseRefFor,
  parseLicenseExpression,
  spdxLicenseFor,
} from './license-expression.js';
export {
  knownExceptionId,
  knownLicenseId,
  LICENSE_LIST_VERSION,
  spdxExceptionIds,
  spdxLicenseIds,
} from './license-list.js';
export { type SbomOptions, spdxNamespace, toSpdx } from './spdx.js';
export type {
  SpdxChecksum,
  SpdxCreationInfo,
  SpdxDocument,
  SpdxExternalRef,
  SpdxPackage,
  SpdxRelationship,
} from './spdx-types.js';
export {
  type CdxComponent,
  type CdxLicenseChoice,
  type CycloneDxDocument,
  cyclonedxLicenses,
  cyclonedxSerial,
  toCycloneDx,
} from './cyclonedx.js';
export { nameUuid } from './name-uuid.js';
export { stringifySbom } from './stable-json.js';
export { readSbom, type SbomContents, type SbomPackage } from './read.js';
