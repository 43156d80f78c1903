/** lupine's public library API. */
export * as core from './core/index.js';
export { main } from './cli/index.js';
