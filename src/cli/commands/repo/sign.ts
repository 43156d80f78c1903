import { resolve } from 'node:path';
import { keyNameForPrivateKey, parsePrivateKey, type SignatureAlgorithm, signPackage } from '../../../apk/index.js';
import { LupineError } from '../../../core/index.js';
import { signApkIndexArchive } from '../../../repo/index.js';
import { commandHelp, parse } from '../../args.js';
import type { Command } from '../../command.js';
import { EXIT_OK, EXIT_USAGE } from '../../render.js';
import { apkFileKind, readInput, writeAtomically } from '../apk/files.js';

const HELP = `Usage: lupine sign --signing-key KEY [--type RSA|RSA256|RSA512] FILE...

Signs .apk packages and APKINDEX.tar.gz indexes in place, like abuild-sign: any existing
signatures are replaced by one '.SIGN.<TYPE>.<KEY>.pub' entry over the control member (a
package) or the index member (an index). Each file is replaced atomically (temp file + rename).

The signature names the public key file: KEY 'foo.rsa' signs as 'foo.rsa.pub', so install the
public key under that name in /etc/apk/keys.
`;

const options = {
  'signing-key': { type: 'string', arg: 'KEY', help: "the private key (PEM), e.g. from 'lupine keygen'" },
  type: {
    type: 'string',
    arg: 'TYPE',
    help: "RSA256 (SHA-256, default, as melange and abuild-sign -t RSA256),\nRSA (SHA-1, abuild's default) or RSA512 (SHA-512)",
  },
} as const;

export const signCommand: Command = {
  path: ['sign'],
  summary: 'sign .apk packages and APKINDEX.tar.gz indexes (replaces existing signatures)',
  help: commandHelp(HELP, options),
  options: options,
  async run(argv, io) {
    const { values, positionals } = parse(argv, options, 'sign');
    const keyPath = values['signing-key'];
    if (keyPath === undefined || positionals.length === 0) {
      io.stderr.write(
        "lupine: sign: expected --signing-key KEY and at least one FILE\n  hint: see 'lupine sign --help'\n",
      );
      return EXIT_USAGE;
    }
    const type = values.type ?? 'RSA256';
    if (!['RSA', 'RSA256', 'RSA512'].includes(type)) {
      throw new LupineError('USAGE', `sign: --type must be RSA, RSA256 or RSA512, got '${type}'`, {
        hint: "see 'lupine sign --help'",
      });
    }
    const algorithm = type as SignatureAlgorithm;
    const absKey = resolve(io.cwd, keyPath);
    const key = parsePrivateKey(await readInput(absKey), keyPath);
    const keyName = keyNameForPrivateKey(absKey);
    for (const file of positionals) {
      const path = resolve(io.cwd, file);
      const bytes = await readInput(path);
      const kind = apkFileKind(bytes, path);
      const signed =
        kind === 'index'
          ? signApkIndexArchive(bytes, { key, keyName, algorithm })
          : signPackage(bytes, { key, keyName, algorithm });
      await writeAtomically(path, signed);
      io.stdout.write(`${file}: signed (${kind}, .SIGN.${algorithm}.${keyName})\n`);
    }
    return EXIT_OK;
  },
};
