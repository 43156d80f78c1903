import type { CommandEntry } from '../command.js';

/**
 * Every command, in help order. Each lives in `<noun>/<verb>.ts` and is loaded only when run,
 * so that start-up stays fast. `path` and `summary` repeat the command's own (a test checks they agree).
 */
export const commands: readonly CommandEntry[] = [
  {
    path: ['keygen'],
    summary: 'generate an RSA key pair for signing packages and indexes',
    load: async () => (await import('./repo/keygen.js')).keygenCommand,
  },
  {
    path: ['sign'],
    summary: 'sign .apk packages and APKINDEX.tar.gz indexes (replaces existing signatures)',
    load: async () => (await import('./repo/sign.js')).signCommand,
  },
  {
    path: ['verify'],
    summary: 'verify signatures and hashes of .apk packages and indexes',
    load: async () => (await import('./repo/verify.js')).verifyCommand,
  },
  {
    path: ['inspect'],
    summary: 'show what an .apk package or APKINDEX.tar.gz holds',
    load: async () => (await import('./repo/inspect.js')).inspectCommand,
  },
  {
    path: ['index'],
    summary: 'build a repository index (APKINDEX.tar.gz) from .apk files',
    load: async () => (await import('./repo/index-cmd.js')).indexCommand,
  },
  {
    path: ['apk'],
    summary: 'apk-tools 2.14 compatible add/del/upgrade/fix/version/policy/info/search/list/dot',
    load: async () => (await import('./apk/apk.js')).apkCommand,
  },
  {
    path: ['image', 'show-config'],
    summary: 'print an apko config merged with its includes and resolved, or every problem in it',
    load: async () => (await import('./image/show-config.js')).imageShowConfigCommand,
  },
  {
    path: ['image', 'build'],
    summary: 'build an apko config into a reproducible OCI image (layout, oci-archive or docker-archive)',
    load: async () => (await import('./image/build.js')).imageBuildCommand,
  },
  {
    path: ['image', 'lock'],
    summary: 'resolve an apko config and write an apko.lock.json-compatible lock file',
    load: async () => (await import('./image/lock.js')).imageLockCommand,
  },
  {
    path: ['image', 'show-packages'],
    summary: 'print the packages and versions an apko config resolves to',
    load: async () => (await import('./image/show-packages.js')).imageShowPackagesCommand,
  },
  {
    path: ['image', 'dot'],
    summary: "print an apko config's resolved dependency graph for graphviz",
    load: async () => (await import('./image/dot.js')).imageDotCommand,
  },
  {
    path: ['image', 'build-minirootfs'],
    summary: "write an apko config's root filesystem for one arch as a deterministic tar",
    load: async () => (await import('./image/build-minirootfs.js')).imageBuildMinirootfsCommand,
  },
  {
    path: ['image', 'publish'],
    summary: 'build an apko config and push every arch, the index and each tag to a registry',
    load: async () => (await import('./image/publish.js')).imagePublishCommand,
  },
  {
    path: ['image', 'push'],
    summary: 'push an OCI image layout to a registry',
    load: async () => (await import('./image/push.js')).imagePushCommand,
  },
  {
    path: ['pkg', 'build'],
    summary: 'build a melange recipe into signed .apk packages in a bubblewrap sandbox',
    load: async () => (await import('./pkg/build.js')).pkgBuildCommand,
  },
  {
    path: ['pkg', 'test'],
    summary: "run a melange recipe's test blocks against its built packages, each in a fresh guest",
    load: async () => (await import('./pkg/test.js')).pkgTestCommand,
  },
  {
    path: ['pkg', 'lint'],
    summary: "run melange's package linters over .apk files or package directories",
    load: async () => (await import('./pkg/lint.js')).pkgLintCommand,
  },
  {
    path: ['pkg', 'compile'],
    summary: 'print a melange recipe compiled for one architecture, or every problem in it',
    load: async () => (await import('./pkg/compile.js')).pkgCompileCommand,
  },
  {
    path: ['pkg', 'package-version'],
    summary: "print a melange recipe's name-version-rN",
    load: async () => (await import('./pkg/package-version.js')).pkgPackageVersionCommand,
  },
  {
    path: ['pkg', 'bump'],
    summary: 'set a melange recipe to a new version (epoch 0), keeping its formatting',
    load: async () => (await import('./pkg/bump.js')).pkgBumpCommand,
  },
  {
    path: ['image', 'keygen'],
    summary: 'write a cosign key pair (cosign.key encrypted with COSIGN_PASSWORD, cosign.pub)',
    load: async () => (await import('./image/keygen.js')).imageKeygenCommand,
  },
  {
    path: ['image', 'sign'],
    summary: 'sign an image in a registry with a cosign key (sha256-<hex>.sig)',
    load: async () => (await import('./image/sign.js')).imageSignCommand,
  },
  {
    path: ['image', 'verify'],
    summary: "verify an image's cosign signatures with a public key",
    load: async () => (await import('./image/verify.js')).imageVerifyCommand,
  },
  {
    path: ['image', 'attest'],
    summary: 'attach a signed in-toto attestation (SBOM, provenance, VEX...) to an image (sha256-<hex>.att)',
    load: async () => (await import('./image/attest.js')).imageAttestCommand,
  },
  {
    path: ['image', 'verify-attestation'],
    summary: "verify an image's in-toto attestations with a public key and print them",
    load: async () => (await import('./image/verify-attestation.js')).imageVerifyAttestationCommand,
  },
  {
    path: ['sbom'],
    summary: 'write an SPDX or CycloneDX SBOM of an image, root or package',
    load: async () => (await import('./sbom/sbom.js')).sbomCommand,
  },
  {
    path: ['distro', 'build'],
    summary: 'build a recipe tree into a signed repository, in parallel and incrementally',
    load: async () => (await import('./distro/build.js')).distroBuildCommand,
  },
  {
    path: ['distro', 'fetch'],
    summary: "fill the source store with a recipe tree's sources (Debian's archive through apt)",
    load: async () => (await import('./distro/fetch.js')).distroFetchCommand,
  },
  {
    path: ['distro', 'outdated'],
    summary: 'list recipes whose upstream has a newer release in the configured Debian suites',
    load: async () => (await import('./distro/outdated.js')).distroOutdatedCommand,
  },
  {
    path: ['distro', 'worker'],
    summary: 'build recipe jobs from a Redis queue, with an OCI registry as the artifact store',
    load: async () => (await import('./distro/worker.js')).distroWorkerCommand,
  },
  {
    path: ['distro', 'status'],
    summary: 'show the distributed build queue: queued, running (and where), failed',
    load: async () => (await import('./distro/status.js')).distroStatusCommand,
  },
  {
    path: ['distro', 'graph'],
    summary: 'print the build order of a recipe tree (or its graphviz graph)',
    load: async () => (await import('./distro/graph.js')).distroGraphCommand,
  },
  {
    path: ['scan'],
    summary: 'find known vulnerabilities in an image, root, SBOM or package',
    load: async () => (await import('./scan/scan.js')).scanCommand,
  },
  {
    path: ['report'],
    summary: 'compare images side by side in one self-contained HTML page (sizes, packages, shell, user, CVEs)',
    load: async () => (await import('./report/report.js')).reportCommand,
  },
];
