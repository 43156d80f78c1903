/** Fixed fact sets for the renderer's tests (hand-written, like a Debian-based image against a minimal one). */
import type { ImageReportFacts } from '../../../src/report/index.js';

const none = { Critical: 0, High: 0, Medium: 0, Low: 0, Negligible: 0, Unknown: 0 };

export const FAT: ImageReportFacts = {
  name: 'registry.example/app:debian',
  digest: 'sha256:1111111111111111111111111111111111111111111111111111111111111111',
  platform: 'linux/amd64',
  os: 'Debian GNU/Linux 12 (bookworm)',
  compressedSize: 52_428_800,
  unpackedSize: 130_023_424,
  layers: 5,
  packages: 112,
  shells: ['/bin/sh', '/bin/bash', '/bin/dash'],
  user: { configured: '', name: 'root', uid: '0', root: true },
  entrypoint: ['docker-entrypoint.sh'],
  cmd: ['node', 'server.js'],
  vulnerabilities: {
    findings: 287,
    vulnerabilities: 240,
    fixable: 31,
    bySeverity: { Critical: 4, High: 38, Medium: 101, Low: 90, Negligible: 40, Unknown: 14 },
    ids: ['CVE-2023-4911', 'CVE-2024-2961'],
  },
  notScanned: '',
  licenses: [
    { license: 'GPL-2.0-or-later', spdx: true, packages: 41 },
    { license: 'MIT', spdx: true, packages: 30 },
    { license: 'LGPL-2.1-or-later', spdx: true, packages: 17 },
    { license: 'BSD-3-Clause', spdx: true, packages: 9 },
    { license: 'public-domain', spdx: false, packages: 2 },
  ],
};

export const MINIMAL: ImageReportFacts = {
  name: 'registry.example/app:minimal',
  digest: 'sha256:2222222222222222222222222222222222222222222222222222222222222222',
  platform: 'linux/amd64',
  os: 'Wolfi',
  compressedSize: 2_097_152,
  unpackedSize: 5_767_168,
  layers: 1,
  packages: 6,
  shells: [],
  user: { configured: '65532', name: 'nonroot', uid: '65532', root: false },
  entrypoint: ['/usr/bin/server', '--listen', ':8080'],
  cmd: [],
  vulnerabilities: { findings: 0, vulnerabilities: 0, fixable: 0, bySeverity: none, ids: [] },
  notScanned: '',
  licenses: [
    { license: 'Apache-2.0', spdx: true, packages: 3 },
    { license: 'MIT', spdx: true, packages: 2 },
    { license: 'MPL-2.0', spdx: true, packages: 1 },
  ],
};

/** Three images, not scanned: a static image without packages, a uid missing from etc/passwd, a name. */
export const UNSCANNED: ImageReportFacts[] = [
  {
    ...MINIMAL,
    name: 'oci/static',
    digest: 'sha256:3333333333333333333333333333333333333333333333333333333333333333',
    os: '',
    compressedSize: 812,
    unpackedSize: 0,
    packages: 0,
    licenses: [],
    user: { configured: '1000:1000', name: '', uid: '1000', root: false },
    entrypoint: [],
    vulnerabilities: null,
  },
  { ...MINIMAL, name: 'minimal.tar', platform: 'linux/arm64', vulnerabilities: null },
  {
    ...FAT,
    name: 'a-very-long-registry-name.example.com/some/deep/repository/path:2024.10.01-with-a-long-tag',
    user: { configured: 'app', name: 'app', uid: '', root: false },
    vulnerabilities: null,
  },
];
