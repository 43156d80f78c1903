import { access, writeFile } from 'node:fs/promises';
import { basename, isAbsolute, join, resolve } from 'node:path';
import { generateRsaKeyPair } from '../../../apk/index.js';
import { LupineError, publishFiles } from '../../../core/index.js';
import { commandHelp, parse, requireCount } from '../../args.js';
import type { Command } from '../../command.js';
import type { CliIo } from '../../io.js';
import { EXIT_OK } from '../../render.js';

const HELP = `Usage: lupine keygen [NAME] [--bits N] [--out DIR] [--force]

Generates an RSA key pair for signing packages and indexes, as abuild-keygen does:
  NAME.rsa      the private key (PKCS#1 PEM, mode 0600)
  NAME.rsa.pub  the public key (PEM); copy it to /etc/apk/keys on machines that trust you

Signatures name the public key file, so keep NAME.rsa.pub's file name when you install it.
NAME defaults to <user>-<hex Unix time> (from $USER or $LOGNAME, like abuild), or 'lupine'
when no user name is known. NAME may also be a path; a trailing .rsa is dropped.
`;

const options = {
  bits: { type: 'string', arg: 'N', help: 'key size: 2048, 3072 or 4096 (default 4096)' },
  out: {
    type: 'string',
    arg: 'DIR',
    help: 'directory to write into (default: the current directory); created if missing',
  },
  force: { type: 'boolean', help: 'overwrite existing files (without it, an existing file is an error)' },
} as const;

function defaultName(io: CliIo): string {
  const user = (io.env.USER ?? io.env.LOGNAME ?? '').replace(/[^a-zA-Z0-9._@+-]/g, '');
  if (user === '') return 'lupine';
  return `${user}-${Math.floor(Date.now() / 1000).toString(16)}`;
}

async function refuseExisting(path: string): Promise<void> {
  const exists = await access(path).then(
    () => true,
    () => false,
  );
  if (exists) {
    throw new LupineError('USAGE', `keygen: ${path} already exists`, {
      details: { path },
      hint: 'pick another NAME, or pass --force to overwrite it',
    });
  }
}

export const keygenCommand: Command = {
  path: ['keygen'],
  summary: 'generate an RSA key pair for signing packages and indexes',
  help: commandHelp(HELP, options),
  options: options,
  async run(argv, io) {
    const { values, positionals } = parse(argv, options, 'keygen');
    requireCount(positionals, 0, 1, 'keygen', 'at most one NAME');
    const bits = values.bits === undefined ? 4096 : Number(values.bits);
    if (!/^\d+$/.test(values.bits ?? '4096') || ![2048, 3072, 4096].includes(bits)) {
      throw new LupineError('USAGE', `keygen: --bits must be 2048, 3072 or 4096, got '${values.bits}'`, {
        hint: "see 'lupine keygen --help'",
      });
    }
    const name = (positionals[0] ?? defaultName(io)).replace(/\.rsa$/, '');
    if (basename(name) === '' || name.endsWith('/')) {
      throw new LupineError('USAGE', `keygen: '${name}' is not a key name`, { hint: "see 'lupine keygen --help'" });
    }
    const outDir = resolve(io.cwd, values.out ?? '.');
    const base = isAbsolute(name) ? name : join(outDir, name);
    const force = values.force === true;
    const priv = `${base}.rsa`;
    const pub = `${base}.rsa.pub`;
    if (!force) for (const path of [priv, pub]) await refuseExisting(path);
    const pair = await generateRsaKeyPair(bits);
    // Both keys or neither (a full or read-only disk leaves nothing behind).
    await publishFiles([
      { path: pub, write: (tmp) => writeFile(tmp, pair.publicPem, { mode: 0o644, flag: 'wx' }) },
      { path: priv, write: (tmp) => writeFile(tmp, pair.privatePem, { mode: 0o600, flag: 'wx' }) },
    ]);
    io.stdout.write(`private key: ${priv}\npublic key:  ${pub}\n`);
    io.stderr.write(`  hint: signatures will name '${basename(pub)}'; install it as /etc/apk/keys/${basename(pub)}\n`);
    return EXIT_OK;
  },
};
