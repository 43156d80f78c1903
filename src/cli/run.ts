import { main } from './main.js';

/** Entry for bin/lupine: real process streams. */
const controller = new AbortController();
process.on('SIGINT', () => controller.abort());
const code = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
  signal: controller.signal,
});
process.exitCode = code;
