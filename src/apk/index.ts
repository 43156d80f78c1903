export { emptyPackageInfo, type PackageInfo } from './package-info.js';
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
export { generateRsaKeyPair, keyNameForPrivateKey, parsePrivateKey, parsePublicKey, type RsaKeyPair } from './keys.js';
export {
  compareVersions,
  compareVersionsMask,
  DEPMASK_ANY,
  DEPMASK_CHECKSUM,
  isValidVersion,
  operatorMask,
  operatorString,
  VERSION_EQUAL,
  VERSION_FUZZY,
  VERSION_GREATER,
  VERSION_LESS,
  versionMatches,
} from './version.js';
