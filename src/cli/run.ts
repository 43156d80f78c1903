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
// The command is done: end once stdout and stderr have taken everything, rather than waiting for
// the event loop to drain (a file handle closing on the thread pool costs milliseconds).
let pending = 2;
const done = () => {
  if (--pending === 0) process.exit(code);
};
process.stdout.write('', done);
process.stderr.write('', done);
