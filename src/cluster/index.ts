// cluster: distro builds spread over BullMQ workers, with an OCI registry as artifact store and remote cache.
export { type PlacedPackage, placePackages, type RepoSigningKey, resignPackage } from './assemble.js';
export { BullmqExecutor, type BullmqExecutorOptions } from './bullmq-executor.js';
export { packInputs, unpackInputs } from './input-bundle.js';
export {
  checkFileName,
  checkJobData,
  INLINE_INPUTS_MAX,
  jobIdFor,
  QUEUE_NAME,
  type RecipeJobData,
  type RecipeJobProgress,
  type RecipeJobResult,
} from './job.js';
export { checkRedis, openRedis, REDIS_URL_ENV, redactRedisUrl, redisUrlOf } from './redis-connection.js';
export { checkJobSources, type JobSource, receiveSources, shareSources } from './sources.js';
export { type ClusterStatus, clusterStatus, renderStatus } from './status.js';
export { ArtifactStore, type OutputsConfig, type StoredFile, type StoredOutputs } from './store.js';
export { type RunningWorker, startWorker, type WorkerEvent, type WorkerOptions } from './worker.js';
