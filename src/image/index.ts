export {
  type Diagnostic,
  hasErrors,
  renderDiagnostics,
  type SourcePos,
  sortDiagnostics,
} from '../core/index.js';
export { type AccountFiles, type AccountsInput, knownIds, mergeAccounts } from './build/accounts.js';
export { formatApkoInstalledDb, formatApkoInstalledRecord } from './build/apko-db.js';
export { type AssembledRoot, type AssembleRootOptions, assembleRoot, LOCKED_CONFIG_PATH } from './build/assemble.js';
export { buildImage } from './build/build-image.js';
export { DEFAULT_BUSYBOX_LINKS, installBusyboxLinks } from './build/busybox.js';
export { encodeGoEntry, type GoTarEntry, splitUstarPath } from './build/go-tar.js';
export { diskLayerCache } from './build/layer-cache.js';
export { type RootEntry, type ScanOptions, scanRoot, writeLayerTar } from './build/layer-tar.js';
export { type LayerPlan, planLayers } from './build/layering.js';
export { dlCacheLibcmp, elfSoname, formatLdSoCache, installLdSoCache, type LdCacheEntry } from './build/ldso-cache.js';
export { containerConfig, imageAnnotations, ociImageConfig } from './build/oci-image.js';
export { sweepStaleRoots } from './build/owned-root.js';
export { applyPathMutations, type OwnerMap } from './build/paths.js';
export { resolveImagePath } from './build/root-path.js';
export {
  buildRepositoryText,
  type ImageKey,
  loadImageKeys,
  lockArch,
  runtimeRepositoryText,
} from './build/sources.js';
export type {
  ArchImage,
  BuildImageOptions,
  ImageBuildResult,
  ImageLockPackage,
  ImageOutputFormat,
  ImagePackage,
  SbomFile,
  SbomFormat,
  WriteImageOutputOptions,
} from './build/types.js';
export { writeImageOutput } from './build/write-output.js';
export { ALL_ARCHS, imageArchs, normalizeArchs, ociPlatform, toApkArch } from './config/arch.js';
export { imageCredentials } from './config/credentials.js';
export { type ConfigPath, Locations, parseGoInt } from './config/decode.js';
export { didYouMean, editDistance } from './config/did-you-mean.js';
export { APKO_CONFIG_SCHEMA_ID, apkoConfigJsonSchema, type JsonSchema } from './config/json-schema.js';
export {
  type ConfigSourceFile,
  includeCandidates,
  type LoadedImageConfig,
  type LoadImageConfigOptions,
  loadImageConfig,
  type ReadFile,
} from './config/load.js';
export { mergeImageConfig } from './config/merge.js';
export { type Parsed, parsePackageSpec, parseRepositorySpec } from './config/package-spec.js';
export { type ParsedImageConfig, type ParseImageConfigOptions, parseImageConfig } from './config/parse.js';
export { DEFAULT_ENVIRONMENT, DEFAULT_SHELL, resolveImageConfig, resolvePathMutation } from './config/resolve.js';
export { APKO_CONFIG_SHAPE } from './config/shape.js';
export { type ShlexResult, shlexSplit } from './config/shlex.js';
export { imageConfigToApko, type ShowConfigOptions, showConfig } from './config/show.js';
export type {
  ApkArch,
  BaseImage,
  BuildOption,
  Certificates,
  Group,
  ImageAccounts,
  ImageConfig,
  ImageContents,
  ImageEntrypoint,
  KeyringEntry,
  Layering,
  NamedContent,
  OsRelease,
  PackageSpec,
  PathMutation,
  PathType,
  RepositorySpec,
  ResolvedImageConfig,
  ResolvedPathMutation,
  ResolvedUser,
  User,
} from './config/types.js';
export { type DotOptions, renderDot } from './dot.js';
export {
  type BuildLockInput,
  buildLock,
  configChecksum,
  type LockArch,
  type LockPackageInput,
  lockPackageEntry,
  lockPackageUrl,
  lockRepositoryEntry,
  parseRepoSpec,
  stripUrlScheme,
} from './lock/build-lock.js';
export {
  checkLockMatches,
  type LockCheck,
  type LockFetch,
  lockedSetFromLock,
  verifyLockedBytes,
} from './lock/from-lock.js';
export { formatLock, parseLock } from './lock/json.js';
export { type LockImageOptions, lockImage } from './lock/lock-image.js';
export {
  type ArchResolution,
  buildTimeRepositories,
  type ImageKeyring,
  type ImageSourceOptions,
  imageWorld,
  loadImageKeyring,
  type ResolvedImagePackage,
  resolveImage,
  resolveImageArch,
  sourceLocation,
} from './lock/resolve.js';
export type {
  ApkoLock,
  LockConfigRef,
  LockKeyring,
  LockPackage,
  LockRange,
  LockRepository,
} from './lock/types.js';
export {
  type PlannedAttestation,
  type PlannedSignature,
  type PlanProvenance,
  type PublishPlan,
  type PublishSubject,
  planPublish,
} from './publish/plan.js';
export {
  IMAGE_BUILD_TYPE,
  IMAGE_BUILDER_ID,
  type ImageBuildParameters,
  type ImageProvenanceInput,
  imagePackageDependency,
  imageProvenancePredicate,
  repositoryLocation,
} from './publish/provenance.js';
export {
  type AttestedImage,
  type PublishedRef,
  type PublishImageOptions,
  type PublishImageResult,
  type PublishSigning,
  publishImage,
  type SignedImage,
} from './publish/publish-image.js';
export {
  compilePackageFormat,
  DEFAULT_SHOW_PACKAGES_FORMAT,
  SHOW_PACKAGES_FORMATS,
  type ShownPackage,
  showPackages,
} from './show-packages.js';
