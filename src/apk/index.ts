export { ARCH_TABLE, type ArchRow, archRow } from './arch.js';
export {
  badDependencyError,
  type Dependency,
  dependencyMatches,
  dependencyTokenName,
  formatDependency,
  makeDependency,
  parseDependency,
  parseDependencyList,
  tryParseDependency,
} from './dependency.js';
export { hostApkArch } from './host-arch.js';
export { apkIdentitySha1 } from './identity-sha1.js';
export { generateRsaKeyPair, keyNameForPrivateKey, parsePrivateKey, parsePublicKey, type RsaKeyPair } from './keys.js';
export { identityKey, packageMergeKey } from './merge-key.js';
export { emptyPackageInfo, type PackageInfo } from './package-info.js';
export type { MemberRange } from './package-layout.js';
export {
  checkPackageNameVersion,
  isValidPackageName,
  MAX_NAME_BYTES,
  MAX_NAME_VERSION_BYTES,
  nameVersionFits,
} from './package-name.js';
export {
  type ApkPackage,
  type DataHooks,
  type PackageFile,
  type PackageHeadRead,
  type PackageMembers,
  packageFromHead,
  packageIdentity,
  packageSignedRange,
  type ReadPackageHeadOptions,
  type ReadPackageOptions,
  readPackage,
  readPackageHead,
  SCRIPT_NAMES,
  type ScriptName,
  streamVerifiedPackage,
  type VerifiedHead,
  type VerifiedPackage,
  type VerifyPackageOptions,
  verifyPackage,
  verifyPackageHead,
} from './package-read.js';
export {
  type CheckPackageDataOptions,
  checkDeclaredSize,
  checkPackageData,
  dataAllowance,
  type PackageDataSummary,
} from './package-stream.js';
export {
  packageSignatureMember,
  type SigningKey,
  signPackage,
  type TreeEntry,
  type WritePackageInput,
  writePackage,
} from './package-write.js';
export {
  formatPkgInfo,
  type PkgInfoDocument,
  type PkgInfoFormatOptions,
  parsePkgInfo,
  parsePkgInfoDocument,
} from './pkginfo.js';
export { type ReadTreeOptions, readTree } from './read-tree.js';
export { APK_GZIP, rootFileMember } from './root-file-member.js';
export { type ArchSelection, hostBuildArch, selectArch, selectArchs } from './select-archs.js';
export {
  chooseSignature,
  type Keyring,
  parseSignatureName,
  type SignatureAlgorithm,
  type SignatureEntry,
  signatureEntryName,
  signBytes,
  verifyBytes,
} from './signature.js';
export {
  compareVersions,
  compareVersionsMask,
  DEPMASK_ANY,
  DEPMASK_CHECKSUM,
  isStrictVersion,
  isValidVersion,
  operatorMask,
  operatorString,
  VERSION_EQUAL,
  VERSION_FUZZY,
  VERSION_GREATER,
  VERSION_LESS,
  versionMatches,
} from './version.js';
