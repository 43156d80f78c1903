/** Per-architecture substitution facts: Go's GOARCH and the GNU and Rust target triplets. */

export interface ArchFacts {
  readonly arch: string;
  readonly goarch: string;
  readonly gnu: string;
  readonly rust: string;
  readonly gnuMusl: string;
  readonly rustMusl: string;
}

const TABLE: Readonly<
  Record<string, readonly [goarch: string, gnuCpu: string, gnuVendor: string, rustCpu: string, abi: string]>
> = {
  x86_64: ['amd64', 'x86_64', 'pc', 'x86_64', ''],
  aarch64: ['arm64', 'aarch64', 'unknown', 'aarch64', ''],
  x86: ['386', 'i686', 'pc', 'i686', ''],
  armv7: ['arm', 'armv7', 'unknown', 'armv7', 'eabihf'],
  armhf: ['arm', 'armv6', 'unknown', 'arm', 'eabihf'],
  ppc64le: ['ppc64le', 'powerpc64le', 'unknown', 'powerpc64le', ''],
  s390x: ['s390x', 's390x', 'ibm', 's390x', ''],
  riscv64: ['riscv64', 'riscv64', 'unknown', 'riscv64gc', ''],
  loongarch64: ['loong64', 'loongarch64', 'unknown', 'loongarch64', ''],
};

/** The apk architectures melange builds for. */
export const BUILD_ARCHS: readonly string[] = Object.keys(TABLE);

/** Facts for an apk architecture; undefined when it is not one. */
export function archFacts(arch: string): ArchFacts | undefined {
  const row = TABLE[arch];
  if (!row) return undefined;
  const [goarch, gnuCpu, vendor, rustCpu, abi] = row;
  return {
    arch,
    goarch,
    gnu: `${gnuCpu}-${vendor}-linux-gnu${abi}`,
    rust: `${rustCpu}-unknown-linux-gnu${abi}`,
    gnuMusl: `${gnuCpu}-${vendor}-linux-musl${abi}`,
    rustMusl: `${rustCpu}-unknown-linux-musl${abi}`,
  };
}

/** Accepts OCI names too (amd64 → x86_64, arm64 → aarch64). */
export function toBuildArch(name: string): string | undefined {
  const oci: Record<string, string> = {
    amd64: 'x86_64',
    arm64: 'aarch64',
    '386': 'x86',
    'arm/v7': 'armv7',
    'arm/v6': 'armhf',
    loong64: 'loongarch64',
  };
  const a = oci[name] ?? name;
  return TABLE[a] ? a : undefined;
}
