/**
 * `certificates.additional` and `providers` (spec §3 step 6): no `update-ca-certificates` runs. Each certificate is
 * written to `/usr/local/share/ca-certificates/<name>-<fp>.crt` (fp: the first 16 hex digits of its
 * SHA-256) and appended to the CA bundle, which is created when no package ships one. Every bundle
 * gets a `.<bundle>.sha256` sidecar (0444). Files written here take the build date as mtime.
 */
import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { NamedContent } from '../config/types.js';
import { readImageFile, resolveImagePath, writeImageFile } from './root-path.js';

export const CA_BUNDLE = 'etc/ssl/certs/ca-certificates.crt';
const LOCAL_CERTS = 'usr/local/share/ca-certificates';

/**
 * Writes the certificates; returns the real paths written (for their mtimes). `provided` are the
 * `.crt`/`.pem` files (real paths) of packages providing a `certificates.providers` name: they stay
 * where their package put them and are appended to the bundle.
 */
export function installCertificates(
  root: string,
  additional: readonly NamedContent[],
  provided: readonly string[] = [],
): string[] {
  const written: string[] = [];
  const bundleRel = resolveImagePath(root, CA_BUNDLE, true);
  const bundleAbs = join(root, bundleRel);
  if (additional.length > 0 || provided.length > 0) {
    const dir = LOCAL_CERTS;
    let bundle = existsSync(bundleAbs) ? readImageFile(root, bundleRel).toString('utf8') : '';
    for (const rel of provided) {
      const pem = readImageFile(root, rel).toString('utf8');
      if (bundle !== '' && !bundle.endsWith('\n')) bundle += '\n';
      bundle += pem.endsWith('\n') ? pem : `${pem}\n`;
    }
    for (const c of additional) {
      const pem = c.content.endsWith('\n') ? c.content : `${c.content}\n`;
      const fp = createHash('sha256').update(pem).digest('hex').slice(0, 16);
      written.push(
        writeImageFile(root, `${dir}/${basename(c.name).replace(/\.(crt|pem)$/, '')}-${fp}.crt`, pem, 0o644),
      );
      if (bundle !== '' && !bundle.endsWith('\n')) bundle += '\n';
      bundle += pem;
    }
    written.push(
      writeImageFile(root, bundleRel, bundle, existsSync(bundleAbs) ? statSync(bundleAbs).mode & 0o7777 : 0o644),
    );
  }
  if (existsSync(bundleAbs)) {
    const hex = createHash('sha256').update(readImageFile(root, bundleRel)).digest('hex');
    written.push(writeImageFile(root, `${dirname(bundleRel)}/.${basename(bundleRel)}.sha256`, `${hex}\n`, 0o444));
  }
  return written;
}
