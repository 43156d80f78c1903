/** A throw-away self-signed certificate made with openssl, for loopback TLS servers in tests. */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * Writes `key.pem` and `cert.pem` into `dir` for `subject` (`IP:127.0.0.1`, `DNS:repo.example.test`),
 * valid one day; returns their paths.
 */
export function selfSignedCert(dir: string, subject: string): { key: string; cert: string } {
  const key = join(dir, 'key.pem');
  const cert = join(dir, 'cert.pem');
  const cn = subject.replace(/^\w+:/, '');
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1'].concat([
      '-subj',
      `/CN=${cn}`,
      '-addext',
      `subjectAltName=${subject}`,
    ]),
    { stdio: 'ignore' },
  );
  return { key, cert };
}
