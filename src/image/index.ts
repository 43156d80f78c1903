export { ALL_ARCHS, normalizeArchs, ociPlatform, toApkArch } from './config/arch.js';
export { type ConfigPath, Locations, parseGoInt } from './config/decode.js';
export {
  type Diagnostic,
  hasErrors,
  imageConfigError,
  renderDiagnostics,
  type SourcePos,
  sortDiagnostics,
} from './config/diagnostic.js';
export { didYouMean, editDistance } from './config/did-you-mean.js';
export { type SchemaError, validateJsonSchema } from './config/json-schema-check.js';
export { APKO_CONFIG_SCHEMA_ID, apkoConfigJsonSchema, type JsonSchema } from './config/json-schema.js';
export { APKO_CONFIG_SHAPE } from './config/shape.js';
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
export { imageConfigToApko, type ShowConfigOptions, showConfig } from './config/show.js';
export { type ShlexResult, shlexSplit } from './config/shlex.js';
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
