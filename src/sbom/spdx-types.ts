/** The parts of SPDX 2.3 JSON that lupine writes and reads. */
import type { ExtractedLicense } from './license-expression.js';

export interface SpdxChecksum {
  readonly algorithm: string;
  readonly checksumValue: string;
}

export interface SpdxExternalRef {
  readonly referenceCategory: string;
  readonly referenceType: string;
  readonly referenceLocator: string;
  readonly comment?: string;
}

export interface SpdxPackage {
  readonly SPDXID: string;
  readonly name: string;
  readonly versionInfo?: string;
  readonly filesAnalyzed?: boolean;
  readonly description?: string;
  readonly downloadLocation: string;
  readonly homepage?: string;
  readonly sourceInfo?: string;
  readonly supplier?: string;
  readonly originator?: string;
  readonly licenseConcluded?: string;
  readonly licenseDeclared?: string;
  readonly copyrightText?: string;
  readonly primaryPackagePurpose?: string;
  readonly checksums?: readonly SpdxChecksum[];
  readonly externalRefs?: readonly SpdxExternalRef[];
  /** Fields copied from embedded documents that lupine does not model. */
  readonly [field: string]: unknown;
}

export interface SpdxRelationship {
  readonly spdxElementId: string;
  readonly relationshipType: string;
  readonly relatedSpdxElement: string;
}

export interface SpdxCreationInfo {
  readonly created: string;
  readonly creators: readonly string[];
  readonly licenseListVersion?: string;
}

export interface SpdxDocument {
  readonly spdxVersion: 'SPDX-2.3';
  readonly dataLicense: 'CC0-1.0';
  readonly SPDXID: 'SPDXRef-DOCUMENT';
  readonly name: string;
  readonly documentNamespace: string;
  readonly creationInfo: SpdxCreationInfo;
  readonly packages: readonly SpdxPackage[];
  readonly relationships: readonly SpdxRelationship[];
  readonly hasExtractedLicensingInfos?: readonly ExtractedLicense[];
}
