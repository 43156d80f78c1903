import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readSbom } from '../../../src/sbom/index.js';
import { type ScanTarget, sbomDistro, scanInput } from '../../../src/scan/index.js';

function cdx(purls: string[], props: Record<string, string> = {}): string {
  return JSON.stringify({
    bomFormat: 'CycloneDX',
    specVersion: '1.6',
    components: purls.map((purl) => ({
      type: 'library',
      name: purl.split('/').pop()?.split('@')[0],
      version: purl.split('@')[1]?.split('?')[0],
      purl,
      properties: Object.entries(props).map(([name, value]) => ({ name, value })),
    })),
  });
}

describe('SBOM targets: distro and origin from the purls', () => {
  it("syft's purls: namespace, distro=<id>-<version>, upstream= origin", () => {
    const sbom = readSbom(
      cdx([
        'pkg:apk/wolfi/libcrypto3@3.1.2-r0?arch=x86_64&upstream=openssl&distro=wolfi-20230201',
        'pkg:apk/wolfi/openssl@3.1.2-r0?arch=x86_64&distro=wolfi-20230201',
      ]),
    );
    assert.deepEqual(sbomDistro(sbom.packages), { id: 'wolfi', versionId: '20230201' });
    assert.equal(sbom.packages[0]?.origin, 'openssl');
  });

  it("trivy's purls: distro=<VERSION_ID>, origin in a property", () => {
    const sbom = readSbom(
      cdx(['pkg:apk/alpine/ssl_client@1.36.1-r2?arch=x86_64&distro=3.18.4'], {
        'aquasecurity:trivy:SrcName': 'busybox',
      }),
    );
    assert.deepEqual(sbomDistro(sbom.packages), { id: 'alpine', versionId: '3.18.4' });
    assert.equal(sbom.packages[0]?.origin, 'busybox');
  });

  it("melange's purls: distro=<id> alone; no apk purls: unknown", () => {
    const sbom = readSbom(cdx(['pkg:apk/wolfi/hello@0.1.0-r0?arch=x86_64&distro=wolfi']));
    assert.deepEqual(sbomDistro(sbom.packages), { id: 'wolfi', versionId: '' });
    assert.deepEqual(sbomDistro(readSbom(cdx(['pkg:npm/left-pad@1.3.0'])).packages), { id: 'unknown', versionId: '' });
  });
});

describe('SBOM targets of a Debian image (syft: pkg:deb purls)', () => {
  it('lists the deb packages with Debian version order, the source from upstream=, and debian 12', () => {
    const sbom = readSbom(
      cdx([
        'pkg:deb/debian/libapparmor1@3.0.8-3?arch=amd64&upstream=apparmor&distro=debian-12',
        'pkg:deb/debian/libsope1@5.8.0-1+b1?arch=amd64&upstream=sope%405.8.0-1&distro=debian-12',
      ]),
    );
    const t: ScanTarget = { kind: 'sbom', name: 'x.json', sbom };
    const input = scanInput(t);
    assert.deepEqual(input.distro, { id: 'debian', versionId: '12' });
    assert.deepEqual(
      input.packages.map((p) => [p.name, p.version, p.origin, p.originVersion ?? '', p.format]),
      [
        ['libapparmor1', '3.0.8-3', 'apparmor', '', 'deb'],
        ['libsope1', '5.8.0-1+b1', 'sope', '5.8.0-1', 'deb'],
      ],
    );
  });
});
