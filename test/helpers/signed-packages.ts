/**
 * Small packages signed by a fresh key, for tests of trust: `dir/keys/signer.rsa.pub` (the public
 * key, a `--keys-dir`), `dir/signer.rsa` (the private key), and `make` writing `dir/NAME-1.0-r0.apk`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { emptyPackageInfo, generateRsaKeyPair, parsePrivateKey, writePackage } from '../../src/apk/index.js';
import { fixedClock } from '../../src/core/index.js';

export interface SignedPackages {
  /** The directory holding the public key. */
  readonly keys: string;
  /** The private key's path. */
  readonly privateKey: string;
  /** Writes an empty x86_64 package `NAME-1.0-r0`, signed unless `signed` is false; returns its path. */
  make(name: string, signed?: boolean): string;
}

export async function signedPackages(dir: string): Promise<SignedPackages> {
  const keys = join(dir, 'keys');
  mkdirSync(keys, { recursive: true });
  const pair = await generateRsaKeyPair(2048);
  const privateKey = join(dir, 'signer.rsa');
  writeFileSync(privateKey, pair.privatePem);
  writeFileSync(join(keys, 'signer.rsa.pub'), pair.publicPem);
  const signingKey = { key: parsePrivateKey(pair.privatePem, 'k'), keyName: 'signer.rsa.pub' };
  const make = (name: string, signed = true) => {
    const file = join(dir, `${name}-1.0-r0.apk`);
    writeFileSync(
      file,
      writePackage({
        files: [],
        info: { ...emptyPackageInfo(name, '1.0-r0'), arch: 'x86_64' },
        clock: fixedClock(0),
        ...(signed ? { signingKey } : {}),
      }),
    );
    return file;
  };
  return { keys, privateKey, make };
}
