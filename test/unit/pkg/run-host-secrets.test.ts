/**
 * Issue 11 finding 14 (host runner): `--runner host` maps the build user to the caller (root) in
 * its user namespace, so a step could read root-only host files and pack them. The runner now
 * hides /root, /var/lib, /etc/shadow, /etc/gshadow (and the signing key's directory) behind empty
 * mounts: a step copying a 0600 file from /root packs nothing of it, and /etc/shadow reads empty.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { buildRecipe } from '../../../src/pkg/index.js';

const root = process.geteuid?.() === 0;
const dest = ['$', '{{targets.destdir}}'].join('');

describe('the host runner hides root-only host files (issue 11 #14)', { skip: !root }, () => {
  let base = '';
  let secret = '';
  let token = '';
  before(() => {
    base = mkdtempSync(join(tmpdir(), 'lupine-host-secrets-'));
    token = `SECRET-${randomBytes(12).toString('hex')}`;
    secret = join('/root', `lupine-test-secret-${randomBytes(6).toString('hex')}`);
    writeFileSync(secret, `${token}\n`, { mode: 0o600 });
  });
  after(() => {
    if (secret) rmSync(secret, { force: true });
    if (base) rmSync(base, { recursive: true, force: true });
  });

  it('packs neither a 0600 file from /root nor /etc/shadow', async () => {
    const dir = join(base, 'leak');
    mkdirSync(dir);
    writeFileSync(
      join(dir, 'leak.yaml'),
      `package:
  name: leak
  version: "1.0"
  epoch: 0
  description: leak
  copyright:
    - license: MIT
pipeline:
  - runs: |
      mkdir -p ${dest}
      cat ${secret} > ${dest}/leak || true
      cat /etc/shadow > ${dest}/shadow || true
      echo ok > ${dest}/marker
`,
    );
    const lines: string[] = [];
    const logger = {
      info: (m: string) => lines.push(m),
      warn: (m: string) => lines.push(m),
      debug: () => undefined,
    };
    const out = join(base, 'out');
    await buildRecipe(join(dir, 'leak.yaml'), {
      arch: 'x86_64',
      outDir: out,
      runner: 'host',
      repositories: [],
      keys: [],
      packageCacheDir: join(base, 'cache'),
      logger,
    }).catch(() => undefined);
    const shadowLine = readFileSync('/etc/shadow', 'utf8').split('\n')[0] as string;
    assert.ok(shadowLine.startsWith('root:'));
    for (const name of existsSync(out) ? (readdirSync(out, { recursive: true }) as string[]) : []) {
      const p = join(out, name);
      if (!name.endsWith('.apk') && !name.endsWith('.log')) continue;
      const raw = readFileSync(p);
      const all = [raw, ...(raw[0] === 0x1f ? [gunzipSync(raw)] : [])];
      for (const b of all) {
        assert.equal(b.indexOf(token), -1, `the /root secret is in ${name}`);
        assert.equal(b.indexOf(shadowLine), -1, `/etc/shadow is in ${name}`);
      }
    }
    assert.ok(!lines.join('\n').includes(token), 'the secret is in the log');
    assert.ok(!lines.join('\n').includes(shadowLine), '/etc/shadow is in the log');
  });
});
