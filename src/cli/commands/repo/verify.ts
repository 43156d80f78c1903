import { resolve } from 'node:path';
import { loadKeyring } from '../../../repo/index.js';
import { commandHelp, parse } from '../../args.js';
import type { Command } from '../../command.js';
import { EXIT_FAIL, EXIT_OK, EXIT_USAGE } from '../../render.js';
import { reasonOf, verifyApkFile } from '../apk/files.js';

const HELP = `Usage: lupine verify [--keys-dir DIR]... FILE...

Checks .apk packages and APKINDEX.tar.gz indexes as 'apk verify' does and prints one line per
file: 'FILE: OK' or 'FILE: <reason> [CODE]'.

A package must be signed by a trusted key (the first .SIGN entry whose key is present decides),
then its control member must be intact, its datahash must match the data member and every file
must match its SHA-1. An index must carry a valid signature by a trusted key.

Packages are streamed, never held whole in memory: a data member that inflates to more than the
package declares (.PKGINFO size, plus the tar layer's overhead) is refused as LIMIT_EXCEEDED, as is
a declared size the compressed bytes could not hold. Only regular files are read.
`;

const HELP_AFTER = `Exit status: 0 when every file verifies, 1 when any does not, 2 on a usage error.
`;

const options = {
  'keys-dir': {
    type: 'string',
    multiple: true,
    arg: 'DIR',
    help: 'trusted public keys: a directory of *.rsa.pub files, or one key file\n(named by its file name); repeatable; default /etc/apk/keys',
  },
} as const;

export const verifyCommand: Command = {
  path: ['verify'],
  summary: 'verify signatures and hashes of .apk packages and indexes',
  help: commandHelp(HELP, options, HELP_AFTER),
  options: options,
  async run(argv, io) {
    const { values, positionals } = parse(argv, options, 'verify');
    if (positionals.length === 0) {
      io.stderr.write("lupine: verify: expected at least one FILE\n  hint: see 'lupine verify --help'\n");
      return EXIT_USAGE;
    }
    const dirs = (values['keys-dir'] ?? ['/etc/apk/keys']).map((d) => resolve(io.cwd, d));
    const keys = await loadKeyring(dirs);
    let failed = 0;
    for (const file of positionals) {
      const err = await verifyApkFile(resolve(io.cwd, file), file, keys);
      if (err === undefined) io.stdout.write(`${file}: OK\n`);
      else {
        failed++;
        io.stdout.write(`${file}: ${reasonOf(err, file)}\n`);
      }
    }
    return failed === 0 ? EXIT_OK : EXIT_FAIL;
  },
};
