import { access, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { LupineError } from '../../../core/index.js';
import { generateCosignKeyPair } from '../../../sign/index.js';
import { commandHelp, parse, requireCount } from '../../args.js';
import type { Command } from '../../command.js';
import { EXIT_OK } from '../../render.js';

const HELP = `Usage: lupine image keygen [--output-key-prefix PREFIX] [--force]

Writes a cosign-compatible key pair, like 'cosign generate-key-pair':
  PREFIX.key  the ECDSA P-256 private key (PKCS#8), encrypted with COSIGN_PASSWORD as an
              'ENCRYPTED SIGSTORE PRIVATE KEY' PEM (scrypt N=32768 r=8 p=1, NaCl secretbox)
  PREFIX.pub  the public key, PEM SPKI

COSIGN_PASSWORD must be set (it may be empty). Existing files are not overwritten without --force.
`;

const options = {
  'output-key-prefix': { type: 'string', arg: 'PREFIX', help: 'file name prefix (default cosign)' },
  force: { type: 'boolean', help: 'overwrite existing key files' },
} as const;

function keyExists(path: string): LupineError {
  return new LupineError('SIGN_KEY_EXISTS', `${path} exists`, {
    details: { path },
    hint: 'pass --force to overwrite it, or choose another --output-key-prefix',
  });
}

export const imageKeygenCommand: Command = {
  path: ['image', 'keygen'],
  summary: 'write a cosign key pair (cosign.key encrypted with COSIGN_PASSWORD, cosign.pub)',
  help: commandHelp(HELP, options),
  options: options,
  async run(argv, io) {
    const { values, positionals } = parse(argv, options, 'image keygen');
    requireCount(positionals, 0, 0, 'image keygen', 'no arguments');
    const password = io.env.COSIGN_PASSWORD;
    if (password === undefined) {
      throw new LupineError('USAGE', 'image keygen: COSIGN_PASSWORD is not set', {
        hint: "set COSIGN_PASSWORD to the key's password (COSIGN_PASSWORD= for none)",
      });
    }
    const prefix = values['output-key-prefix'] ?? 'cosign';
    const keyPath = resolve(io.cwd, `${prefix}.key`);
    const pubPath = resolve(io.cwd, `${prefix}.pub`);
    if (!values.force) {
      for (const path of [keyPath, pubPath]) {
        const exists = await access(path).then(
          () => true,
          () => false,
        );
        if (exists) throw keyExists(path);
      }
    }
    const pair = await generateCosignKeyPair(password);
    const flag = values.force ? 'w' : 'wx';
    for (const [path, text, mode] of [
      [keyPath, pair.privateKeyPem, 0o600],
      [pubPath, pair.publicKeyPem, 0o644],
    ] as const) {
      try {
        await writeFile(path, text, { flag, mode });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
          throw keyExists(path);
        }
        throw new LupineError('IO_ERROR', `cannot write ${path}: ${(err as Error).message}`, {
          cause: err,
          details: { path },
        });
      }
    }
    io.stdout.write(`Private key written to ${prefix}.key\nPublic key written to ${prefix}.pub\n`);
    return EXIT_OK;
  },
};
