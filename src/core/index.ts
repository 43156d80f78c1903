export { type ErrorCode, type ErrorOptions, InternalError, isLupineError, LupineError } from './errors.js';
export { digest, type HashAlgorithm, sha1Hex, sha256Hex } from './digest.js';
export { type Clock, fixedClock, sourceDateEpochClock } from './clock.js';
export { type Logger, silentLogger } from './log.js';
export { checkLimit, defaultLimits, type Limits } from './limits.js';
