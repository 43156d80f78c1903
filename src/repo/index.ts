export {
  type ApkIndexArchive,
  apkIndexTar,
  checkApkIndexSignature,
  type IndexSignatureCheck,
  MAX_DESCRIPTION_BYTES,
  mergeIndexes,
  type ReadApkIndexOptions,
  readApkIndexArchive,
  signApkIndexArchive,
  signatureMember,
  type WriteApkIndexOptions,
  writeApkIndexArchive,
} from './apkindex-archive.js';
export {
  applyIndexField,
  formatApkIndexText,
  formatIndexHeader,
  type IndexRecordLine,
  parseApkIndexText,
  sortForIndex,
  splitIndexRecords,
} from './apkindex-text.js';
export {
  apkIndexCacheName,
  type CachedFetchOptions,
  type Decoded,
  type IndexFetchOptions,
  type IndexMeta,
  identityHex8,
  type PackageRef,
  RepoCache,
  type RepoCacheOptions,
} from './cache.js';
export { acquireLock, type HeldLock, type LockOptions, type LockOwner } from './cache-lock.js';
export {
  DEFAULT_MAX_FETCH_BYTES,
  type Fetcher,
  type FetchOptions,
  type FetchResult,
  redactUrl,
  routingFetcher,
} from './fetcher.js';
export { FileFetcher } from './file-fetcher.js';
export { HttpFetcher, type HttpFetcherOptions } from './http-fetcher.js';
export {
  type KeyFile,
  type KeySourceOptions,
  type KeySpec,
  keyReadFailure,
  keyringOf,
  type LoadKeyringOptions,
  loadKeyring,
  type ReadKeyFilesOptions,
  readKeyFiles,
  readKeySource,
} from './keyring.js';
export { PACKS_KEPT, PackDirectory, type PackStore, readSealedPack, sealPack } from './pack-cache-directory.js';
export {
  PackedIndex,
  PF_DUPLICATE,
  PF_DUPLICATE_EMPTY,
  PF_UNINSTALLABLE,
  PROVIDE_STRIDE,
  PROVIDER_SELF,
  PROVIDER_STRIDE,
} from './packed-index.js';
export { packIndex } from './packed-index-builder.js';
export { type PackedContents, readIndexThroughPacks } from './packed-index-cache.js';
export { decodePackedIndex, encodePackedIndex, PACK_FORMAT } from './packed-index-codec.js';
export {
  type PublishedFile,
  type PublishOptions,
  publishToRepository,
  writeFileAtomic,
} from './publish-repository.js';
export {
  checkRepositories,
  isLocalRepository,
  parseRepositories,
  type RepositoriesCheck,
  type RepositoryEntry,
  type RepositoryProblem,
  type RepositoryScheme,
  repositoryIndexUrl,
  repositoryPackageUrl,
} from './repositories.js';
export {
  defaultFetcher,
  type IndexContents,
  type IndexReader,
  type LoadedRepository,
  type PackageSource,
  type PackageVerifier,
  RepositorySet,
  type RepositorySetOptions,
  readIndexArchive,
  verifyIndexedPackage,
} from './repository-set.js';
