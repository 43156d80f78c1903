import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  apkPurl,
  formatPurl,
  genericPurl,
  githubPurl,
  ociPurl,
  parsePurl,
  purlEncode,
} from '../../../src/sbom/index.js';
import { assertCodeSync } from '../../helpers/assert-code.js';

describe('purl', () => {
  it('percent-encodes everything but letters, digits, .-_~ and :', () => {
    assert.equal(purlEncode('a+b@c~d:e/f g%h'), 'a%2Bb%40c~d:e%2Ff%20g%25h');
    assert.equal(purlEncode('Teräs'), 'Ter%C3%A4s');
  });

  it('apk: +, @ and ~ in versions, : in names, upstream only when the origin differs', () => {
    const base = { osId: 'wolfi', osVersionId: '20230201', arch: 'x86_64' };
    assert.equal(
      apkPurl({ ...base, name: 'libcrypto3', version: '3.1.2-r0', origin: 'openssl' }),
      'pkg:apk/wolfi/libcrypto3@3.1.2-r0?arch=x86_64&distro=wolfi-20230201&upstream=openssl',
    );
    assert.equal(
      apkPurl({ ...base, name: 'openssl', version: '3.1.2-r0', origin: 'openssl' }),
      'pkg:apk/wolfi/openssl@3.1.2-r0?arch=x86_64&distro=wolfi-20230201',
    );
    assert.equal(
      apkPurl({ ...base, name: 'gtk+3.0', version: '1.0+git2~rc1@x-r0' }),
      'pkg:apk/wolfi/gtk%2B3.0@1.0%2Bgit2~rc1%40x-r0?arch=x86_64&distro=wolfi-20230201',
    );
    assert.equal(
      apkPurl({ ...base, name: 'so:libc.so.6', version: '1-r0' }),
      'pkg:apk/wolfi/so:libc.so.6@1-r0?arch=x86_64&distro=wolfi-20230201',
    );
    assert.equal(
      apkPurl({ osId: 'Wolfi', osVersionId: '', arch: 'aarch64', name: 'Py3-Flask', version: '2-r0' }),
      'pkg:apk/wolfi/py3-flask@2-r0?arch=aarch64&distro=wolfi',
    );
  });

  it('round-trips through parsePurl', () => {
    for (const p of [
      'pkg:apk/wolfi/gtk%2B3.0@1.0%2Bgit2~rc1%40x-r0?arch=x86_64&distro=wolfi-20230201',
      'pkg:apk/wolfi/so:libc.so.6@1-r0?arch=x86_64&distro=wolfi-20230201&upstream=glibc',
      'pkg:github/wolfi-dev/os@326e0ed687bdfeadac839dc9b25686e4442c9d04#sub/dir/curl.yaml',
    ]) {
      assert.equal(formatPurl(parsePurl(p)), p);
    }
    const parsed = parsePurl('pkg:apk/wolfi/gtk%2B3.0@1.0%2Bgit2~rc1%40x-r0?arch=x86_64&distro=wolfi-20230201');
    assert.equal(parsed.name, 'gtk+3.0');
    assert.equal(parsed.version, '1.0+git2~rc1@x-r0');
    assert.deepEqual(parsed.qualifiers, { arch: 'x86_64', distro: 'wolfi-20230201' });
  });

  it('reads apko-style purls (unsorted keys, mediaType) and trivy-style ones', () => {
    const apko = parsePurl(
      'pkg:oci/golden@sha256:69f0237c7f8cf0b8a329d1bf1d6870c870c4ec323e39d3a6da59596632d0f2f4?arch=amd64&mediaType=application%2Fvnd.oci.image.manifest.v1%2Bjson&os=linux',
    );
    assert.equal(apko.qualifiers.mediaType, 'application/vnd.oci.image.manifest.v1+json');
    assert.equal(apko.version, 'sha256:69f0237c7f8cf0b8a329d1bf1d6870c870c4ec323e39d3a6da59596632d0f2f4');
    assert.equal(parsePurl('pkg:apk/alpine/musl@1.2.3-r0?distro=3.16.0&arch=x86_64').qualifiers.arch, 'x86_64');
    assertCodeSync(() => parsePurl('npm/foo@1'), 'SBOM_MALFORMED');
    assertCodeSync(() => parsePurl('pkg:apk/wolfi/foo@%ZZ'), 'SBOM_MALFORMED');
  });

  it('oci, github and generic purls', () => {
    assert.equal(
      ociPurl({
        name: 'static',
        digest: 'sha256:abc',
        arch: 'arm64',
        os: 'linux',
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        repositoryUrl: 'cgr.dev/chainguard/static',
        tag: 'latest',
      }),
      'pkg:oci/static@sha256:abc?arch=arm64&mediaType=application%2Fvnd.oci.image.manifest.v1%2Bjson&os=linux&repository_url=cgr.dev%2Fchainguard%2Fstatic&tag=latest',
    );
    assert.equal(githubPurl('Wolfi-Dev', 'OS', 'abc', 'curl.yaml'), 'pkg:github/wolfi-dev/os@abc#curl.yaml');
    assert.equal(
      genericPurl('hello', '2.12', {
        downloadUrl: 'https://ftp.gnu.org/gnu/hello/hello-2.12.tar.gz?x=1&y=2',
        checksum: 'sha256:00',
      }),
      'pkg:generic/hello@2.12?checksum=sha256:00&download_url=https:%2F%2Fftp.gnu.org%2Fgnu%2Fhello%2Fhello-2.12.tar.gz%3Fx%3D1%26y%3D2',
    );
  });
});
