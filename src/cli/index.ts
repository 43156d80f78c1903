export { main } from './main.js';
export { type CliIo, captureIo, type OutputStream } from './io.js';
