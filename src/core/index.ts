export { asBuffer } from './bytes.js';
export { type Clock, fixedClock, sourceDateEpochClock } from './clock.js';
export { commandElapsedMs, markCommandStart } from './command-clock.js';
export { type ConfigPath, type Located, Locations, parseGoInt } from './config-locations.js';
export type { Described, ObjectShape, Shape } from './config-shape.js';
export { indexed, isObj, isStr, list, type Obj, obj, opt, optNum, optStr, strMap } from './decoded-values.js';
export {
  type Diagnostic,
  DiagnosticSink,
  hasErrors,
  renderDiagnostics,
  type SourcePos,
  sortDiagnostics,
} from './diagnostic.js';
export { didYouMean, editDistance } from './did-you-mean.js';
export { digest, type HashAlgorithm, sha1Hex, sha256Hex } from './digest.js';
export { type ErrorCode, type ErrorOptions, InternalError, isLupineError, LupineError } from './errors.js';
export { asInputRead, ioError, isIoFault, readInputFile, readOptionalFile, statInput } from './io-errors.js';
export { type JsonSchema, type ShapeSchemaOptions, shapeJsonSchema } from './json-schema.js';
export { checkLimit, defaultLimits, type Limits } from './limits.js';
export { type Logger, silentLogger } from './log.js';
export {
  effectiveUid,
  makeOwnedDir,
  OWNER_FILE,
  ownerTag,
  ownerTagGone,
  type SweepOptions,
  type SweepResult,
  sweepStaleDirs,
  userTempDir,
} from './owned-dir.js';
export { publishFiles, type StagedOutput, writeFileAtomic } from './publish-files.js';
export { readFullySync } from './read-fully.js';
export {
  MAX_ROOT_FILE_BYTES,
  type ReadRootFileOptions,
  type RootPathError,
  readRootFile,
  readRootText,
  resolveRootPath,
  rootDir,
  rootPathParts,
} from './root-file.js';
export {
  MAX_SYMLINK_HOPS,
  type RootPathKind,
  type RootWalkResult,
  type RootWalkRules,
  walkRoot,
  walkRootSync,
} from './root-path.js';
export { termSafe } from './term-safe.js';
export { TOOL_NAME, TOOL_VERSION } from './tool-version.js';
export { hasUrlScheme, isHttpUrl } from './url-kind.js';
export { type DecodeCodes, type Decoded, type DecodeOptions, decodeConfigText } from './yaml-decode.js';
