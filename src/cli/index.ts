export { type CliIo, captureIo, type OutputStream } from './io.js';
export { main } from './main.js';
