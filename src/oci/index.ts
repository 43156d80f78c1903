export {
  buildDockerArchive,
  buildOciArchive,
  type DockerArchiveImage,
  type LayoutFiles,
  selectManifest,
  writeDockerArchive,
  writeOciArchive,
} from './archive.js';
export { encodeJson, fields, JsonFields, type JsonValue, sortedObject } from './canonical-json.js';
export {
  type BuiltBlob,
  buildImageConfig,
  type ContainerConfig,
  type HistoryEntry,
  type ImageConfig,
  imageConfigFields,
  parseImageConfig,
  rfc3339,
} from './config.js';
export { type Descriptor, describe, descriptorFields, parseDescriptor } from './descriptors.js';
export {
  type Digest,
  DigestingCounter,
  digestFile,
  digestHex,
  digestStream,
  isDigest,
  parseDigest,
  sha256Digest,
  verifyDigest,
} from './digest.js';
export {
  buildIndex,
  encodeIndex,
  type ImageIndex,
  type IndexInput,
  indexEntry,
  makeIndex,
  parseIndex,
} from './image-index.js';
export {
  DEFAULT_LAYER_GZIP_LEVEL,
  gzipCompressor,
  type Layer,
  type LayerCache,
  type LayerCompressor,
  type LayerOptions,
  layerDescriptor,
  layerFromTar,
  memoryLayerCache,
} from './layer.js';
export {
  blobPath,
  hasBlob,
  initLayout,
  type LayoutBlob,
  type LayoutContents,
  listBlobs,
  OCI_LAYOUT_FILE,
  readBlob,
  readLayout,
  writeBlob,
  writeIndexJson,
  writeLayout,
} from './layout.js';
export {
  buildManifest,
  encodeManifest,
  type ImageManifest,
  type ManifestInput,
  makeManifest,
  parseManifest,
} from './manifest.js';
export { Annotation, isIndexMediaType, isManifestMediaType, type MediaFlavor, MediaType } from './media-types.js';
export {
  apkArch,
  apkArchOf,
  knownApkArches,
  type Platform,
  type PlatformOptions,
  platformFor,
  platformString,
} from './platform.js';
export { type PulledImage, pullImage, pullToLayout } from './pull.js';
export { type PushOptions, type PushResult, pushLayout } from './push.js';
export type { RegistryClientOptions, Repo, RetryPolicy } from './registry/connection.js';
export {
  anonymous,
  type CredentialSource,
  type Credentials,
  chainCredentials,
  dockerConfigCredentials,
  dockerConfigSource,
  envCredentials,
  loadDockerConfig,
  normalizeRegistryKey,
  parseHttpAuthEnv,
  staticCredentials,
} from './registry/credentials.js';
export {
  type HttpRequest,
  type HttpResponse,
  type HttpTransport,
  type NodeTransportOptions,
  nodeTransport,
} from './registry/http-transport.js';
export {
  DOCKER_HUB,
  formatReference,
  isLoopback,
  parseReference,
  parseRegistryUrl,
  type Reference,
  type RegistryUrl,
} from './registry/reference.js';
export {
  type FetchedManifest,
  MAX_MANIFEST_BYTES,
  type PushBlobOptions,
  type PushBlobOutcome,
  RegistryClient,
} from './registry/registry-client.js';
export { clientOptionsForUrl } from './registry/registry-url.js';
export { type Challenge, parseWwwAuthenticate } from './registry/www-authenticate.js';
