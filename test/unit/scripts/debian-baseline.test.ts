/**
 * The demo's Debian baseline: the sources mmdebstrap gets are bookworm's binary archive entries
 * only, from deb822 files and the one-line sources.list (a fresh CI machine has either, and other
 * vendors' repositories beside them).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { debianArchiveSources } from '../../../scripts/debian-baseline.js';

const DEBIAN = `Types: deb
URIs: file:///srv/mirror/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: file:///srv/mirror/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
`;
const DEB_SRC = 'Types: deb-src\nURIs: file:///srv/mirror/debian\nSuites: sid bookworm\nComponents: main\n';
const VENDOR = 'Types: deb\nURIs: file:///srv/vendor/node\nSuites: nodistro\nComponents: main\n';
const MIXED = 'Types: deb deb-src\nURIs: file:///srv/mirror/debian\nSuites: sid bookworm\nComponents: main contrib\n';
const DISABLED = 'Enabled: no\nTypes: deb\nURIs: file:///srv/old\nSuites: bookworm\nComponents: main\n';

describe('demo: the apt sources of the Debian baseline (review item 11)', () => {
  it('deb822: bookworm binary entries only; deb-src, sid, vendors and disabled entries left out', () => {
    assert.equal(
      debianArchiveSources('bookworm', [DEBIAN, DEB_SRC, VENDOR, MIXED, DISABLED]),
      [
        'Types: deb\nURIs: file:///srv/mirror/debian\nSuites: bookworm bookworm-updates\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg',
        'Types: deb\nURIs: file:///srv/mirror/debian-security\nSuites: bookworm-security\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg',
        'Types: deb\nURIs: file:///srv/mirror/debian\nSuites: bookworm\nComponents: main contrib',
      ].join('\n\n'),
    );
  });

  it('the one-line sources.list (no deb822 file at all) is read too', () => {
    const list = [
      '# a comment',
      'deb [arch=amd64 signed-by=/etc/apt/keyrings/d.gpg] file:///srv/mirror/debian bookworm main',
      'deb-src file:///srv/mirror/debian bookworm main',
      'deb file:///srv/mirror/debian-security bookworm-security main # trailing',
      'deb file:///srv/mirror/ubuntu noble main',
    ].join('\n');
    assert.equal(
      debianArchiveSources('bookworm', [], list),
      [
        'Types: deb\nURIs: file:///srv/mirror/debian\nSuites: bookworm\nComponents: main\nSigned-By: /etc/apt/keyrings/d.gpg',
        'Types: deb\nURIs: file:///srv/mirror/debian-security\nSuites: bookworm-security\nComponents: main',
      ].join('\n\n'),
    );
  });

  it('nothing for the release: empty (the demo then says so, loudly)', () => {
    assert.equal(debianArchiveSources('bookworm', [VENDOR, DEB_SRC], 'deb file:///srv/u noble main\n'), '');
  });
});
