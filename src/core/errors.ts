/**
 * One error type for everything lupine reports to a user. The `code` says what went wrong;
 * `details` carries plain data (paths, names, positions) for renderers; `hint` says what to do.
 * Only cli/render.ts turns codes into words and exit codes.
 */
export type ErrorCode =
  // core / io
  | 'IO_ERROR'
  | 'LIMIT_EXCEEDED'
  | 'USAGE'
  // net (the HTTP transport under every network client)
  | 'NET_TIMEOUT'
  | 'NET_PROXY_REFUSED'
  // archive
  | 'TAR_BAD_HEADER'
  | 'TAR_BAD_CHECKSUM'
  | 'TAR_TRUNCATED'
  | 'TAR_BAD_PAX'
  | 'TAR_TRAILING_DATA'
  | 'GZIP_BAD_HEADER'
  | 'GZIP_CORRUPT'
  | 'GZIP_TRUNCATED'
  // apk
  | 'APK_BAD_VERSION'
  | 'APK_BAD_DEPENDENCY'
  | 'APK_BAD_PKGINFO'
  | 'APK_MALFORMED'
  | 'APK_NO_PKGINFO'
  | 'APK_BAD_SIGNATURE'
  | 'APK_UNTRUSTED'
  | 'APK_NO_SIGNATURE'
  | 'APK_BAD_CONTROL'
  | 'APK_BAD_DATAHASH'
  | 'APK_BAD_FILE_CHECKSUM'
  | 'APK_BAD_IDENTITY'
  | 'APK_BAD_KEY'
  // repo
  | 'INDEX_MALFORMED'
  | 'INDEX_BAD_SIGNATURE'
  | 'INDEX_UNTRUSTED'
  | 'INDEX_NO_APKINDEX'
  | 'INDEX_PACK_INVALID'
  | 'INDEX_DUPLICATE'
  | 'REPO_BAD_LINE'
  | 'REPO_UNREACHABLE'
  | 'REPO_UNAUTHORIZED'
  | 'REPO_NOT_FOUND'
  | 'REPO_OFFLINE'
  | 'REPO_CACHE_LOCKED'
  // install db
  | 'DB_MALFORMED'
  // resolver
  | 'RESOLVE_UNSATISFIABLE'
  | 'RESOLVE_BAD_WORLD'
  // install
  | 'INSTALL_UNSAFE_PATH'
  | 'INSTALL_DEVICE_REFUSED'
  | 'INSTALL_FILE_CONFLICT'
  | 'INSTALL_LOCKED'
  | 'INSTALL_SCRIPT_FAILED'
  // oci
  | 'OCI_BAD_DIGEST'
  | 'OCI_DIGEST_MISMATCH'
  | 'OCI_BAD_PLATFORM'
  | 'OCI_MANIFEST_INVALID'
  | 'OCI_MANIFEST_UNKNOWN'
  | 'OCI_BLOB_UNKNOWN'
  | 'OCI_LAYOUT_INVALID'
  | 'OCI_BAD_REFERENCE'
  | 'OCI_UNAUTHORIZED'
  | 'OCI_DENIED'
  | 'OCI_INSECURE_REFUSED'
  | 'OCI_REGISTRY_ERROR'
  | 'OCI_UNREACHABLE'
  | 'INSTALL_SYMLINK_ESCAPE'
  | 'INSTALL_JOURNAL_BAD'
  | 'INSTALL_JOURNAL_FOREIGN'
  // sbom
  | 'SBOM_MALFORMED'
  | 'SBOM_UNKNOWN_FORMAT'
  | 'SBOM_BAD_INVENTORY'
  // sign (cosign-compatible signatures and attestations)
  | 'SIGN_BAD_KEY'
  | 'SIGN_BAD_PASSWORD'
  | 'SIGN_KEY_EXISTS'
  | 'SIGN_NO_SIGNATURES'
  | 'SIGN_BAD_SIGNATURE'
  | 'SIGN_DIGEST_MISMATCH'
  | 'SIGN_BAD_PAYLOAD'
  | 'SIGN_NO_ATTESTATIONS'
  | 'SIGN_BAD_PREDICATE'
  // scan
  | 'SCAN_BAD_ADVISORY'
  | 'SCAN_UNKNOWN_ADVISORY_FORMAT'
  | 'SCAN_BAD_TARGET'
  | 'SCAN_NO_PACKAGES'
  | 'SCAN_EMPTY_SOURCE'
  | 'SCAN_BAD_VERSION'
  // report (lupine report)
  | 'REPORT_BAD_IMAGE'
  // image config (apko.yaml); each diagnostic carries one of the IMAGE_CONFIG_* codes
  | 'IMAGE_CONFIG_INVALID'
  | 'IMAGE_CONFIG_SYNTAX'
  | 'IMAGE_CONFIG_UNKNOWN_KEY'
  | 'IMAGE_CONFIG_TYPE'
  | 'IMAGE_CONFIG_MISSING'
  | 'IMAGE_CONFIG_VALUE'
  | 'IMAGE_CONFIG_BAD_PACKAGE'
  | 'IMAGE_CONFIG_BAD_ARCH'
  | 'IMAGE_CONFIG_BAD_PATH'
  | 'IMAGE_CONFIG_INCLUDE'
  | 'IMAGE_CONFIG_DEPRECATED'
  // image lock files (apko.lock.json) and image resolution
  | 'IMAGE_LOCK_MALFORMED'
  | 'IMAGE_LOCK_STALE'
  | 'IMAGE_BAD_KEY'
  | 'IMAGE_BAD_TEMPLATE'
  // image build (assembly, layers, outputs)
  | 'IMAGE_BUILD_PATH'
  | 'IMAGE_BUILD_UNRESOLVABLE'
  | 'IMAGE_LOCK_MISMATCH'
  | 'IMAGE_BUILD_OUTPUT'
  // sandbox (build runners, guest roots)
  | 'SANDBOX_UNAVAILABLE'
  | 'SANDBOX_SETUP_FAILED'
  | 'SANDBOX_BAD_GUEST'
  | 'SANDBOX_CLOSED'
  | 'SANDBOX_CACHE_MISS'
  | 'SANDBOX_GUEST_CONFLICT'
  // build recipe (melange.yaml); each diagnostic carries one of the BUILD_CONFIG_* codes
  | 'BUILD_CONFIG_INVALID'
  | 'BUILD_CONFIG_SYNTAX'
  | 'BUILD_CONFIG_UNKNOWN_KEY'
  | 'BUILD_CONFIG_TYPE'
  | 'BUILD_CONFIG_MISSING'
  | 'BUILD_CONFIG_VALUE'
  | 'BUILD_CONFIG_DEPRECATED'
  | 'BUILD_CONFIG_BAD_NAME'
  | 'BUILD_CONFIG_BAD_VERSION'
  | 'BUILD_CONFIG_UNKNOWN_VAR'
  | 'BUILD_CONFIG_BAD_CONDITION'
  | 'BUILD_CONFIG_BAD_TRANSFORM'
  | 'BUILD_CONFIG_PIPELINE_NOT_FOUND'
  | 'BUILD_CONFIG_BAD_INPUT'
  | 'BUILD_CONFIG_BAD_OPTION'
  | 'BUILD_CONFIG_ASSERTION'
  | 'BUILD_CONFIG_ARCH_SKIPPED'
  | 'BUILD_BUMP_FAILED'
  // build: orchestration (pkg build / pkg test)
  | 'BUILD_STEP_FAILED'
  | 'BUILD_ARCH_UNSUPPORTED'
  | 'BUILD_GUEST_UNRESOLVABLE'
  | 'BUILD_TEST_FAILED'
  | 'BUILD_OUTPUT_UNSAFE'
  // build: the source store (fetch / git-checkout sources by checksum)
  | 'SOURCE_CHECKSUM_MISMATCH'
  | 'SOURCE_MISSING'
  | 'SOURCE_UNPINNED'
  // build: sca and package linters
  | 'ELF_MALFORMED'
  | 'BUILD_LINT_FAILED'
  | 'BUILD_LINT_UNKNOWN'
  // distro: recipe graph, scheduler, incremental state
  | 'DISTRO_CYCLE'
  | 'DISTRO_UNKNOWN_PACKAGE'
  | 'DISTRO_DUPLICATE_PACKAGE'
  | 'DISTRO_RECIPE_INVALID'
  | 'DISTRO_NOT_BUILT'
  | 'DISTRO_BAD_STATE'
  | 'DISTRO_BUILD_FAILED'
  // cluster (distributed distro builds)
  | 'CLUSTER_REDIS_AUTH'
  | 'CLUSTER_REDIS_UNAVAILABLE'
  | 'CLUSTER_STORE_INVALID'
  | 'CLUSTER_JOB_INVALID'
  | 'CLUSTER_REMOTE_FAILED';

export interface ErrorOptions {
  readonly cause?: unknown;
  readonly details?: Readonly<Record<string, unknown>>;
  readonly hint?: string;
}

export class LupineError extends Error {
  readonly code: ErrorCode;
  readonly details: Readonly<Record<string, unknown>>;
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, options: ErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'LupineError';
    this.code = code;
    this.details = options.details ?? {};
    this.hint = options.hint;
  }
}

export function isLupineError(value: unknown, code?: ErrorCode): value is LupineError {
  return value instanceof LupineError && (code === undefined || value.code === code);
}

/** A bug in lupine, not a user error. Rendered with a request to report it. */
export class InternalError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InternalError';
  }
}
