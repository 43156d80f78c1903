/**
 * The one architecture table: apk's name, the OCI architecture (`arch[/variant]`, as apko maps it),
 * Node's `os.arch()` name, and the toolchain facts melange substitutes (GOARCH, GNU and Rust target
 * parts). Rows in apko's order (lexical by OCI name). Every arch table and name lookup reads this.
 */
export interface ArchRow {
  readonly apk: string;
  /** `amd64`, `arm/v7`: the OCI architecture and, after a '/', its variant. */
  readonly oci: string;
  /** `os.arch()` on such a machine; absent where Node has no name for it. */
  readonly node?: string;
  readonly goarch: string;
  readonly gnuCpu: string;
  readonly gnuVendor: string;
  readonly rustCpu: string;
  /** The ABI suffix of the GNU and Rust triplets (`eabihf` for 32-bit ARM). */
  readonly abi: string;
}

export const ARCH_TABLE: readonly ArchRow[] = [
  { apk: 'x86', oci: '386', node: 'ia32', goarch: '386', gnuCpu: 'i686', gnuVendor: 'pc', rustCpu: 'i686', abi: '' },
  {
    apk: 'x86_64',
    oci: 'amd64',
    node: 'x64',
    goarch: 'amd64',
    gnuCpu: 'x86_64',
    gnuVendor: 'pc',
    rustCpu: 'x86_64',
    abi: '',
  },
  { apk: 'armhf', oci: 'arm/v6', goarch: 'arm', gnuCpu: 'armv6', gnuVendor: 'unknown', rustCpu: 'arm', abi: 'eabihf' },
  {
    apk: 'armv7',
    oci: 'arm/v7',
    node: 'arm',
    goarch: 'arm',
    gnuCpu: 'armv7',
    gnuVendor: 'unknown',
    rustCpu: 'armv7',
    abi: 'eabihf',
  },
  {
    apk: 'aarch64',
    oci: 'arm64',
    node: 'arm64',
    goarch: 'arm64',
    gnuCpu: 'aarch64',
    gnuVendor: 'unknown',
    rustCpu: 'aarch64',
    abi: '',
  },
  {
    apk: 'loongarch64',
    oci: 'loong64',
    node: 'loong64',
    goarch: 'loong64',
    gnuCpu: 'loongarch64',
    gnuVendor: 'unknown',
    rustCpu: 'loongarch64',
    abi: '',
  },
  {
    apk: 'ppc64le',
    oci: 'ppc64le',
    node: 'ppc64',
    goarch: 'ppc64le',
    gnuCpu: 'powerpc64le',
    gnuVendor: 'unknown',
    rustCpu: 'powerpc64le',
    abi: '',
  },
  {
    apk: 'riscv64',
    oci: 'riscv64',
    node: 'riscv64',
    goarch: 'riscv64',
    gnuCpu: 'riscv64',
    gnuVendor: 'unknown',
    rustCpu: 'riscv64gc',
    abi: '',
  },
  {
    apk: 's390x',
    oci: 's390x',
    node: 's390x',
    goarch: 's390x',
    gnuCpu: 's390x',
    gnuVendor: 'ibm',
    rustCpu: 's390x',
    abi: '',
  },
];

/**
 * The row for an apk or OCI name: `x86_64`, `amd64`, `arm/v7`, with or without `linux/`, and
 * `arm64/v8` for aarch64. Undefined when it names no arch (`arm` alone is ambiguous).
 */
export function archRow(name: string): ArchRow | undefined {
  const n = name.startsWith('linux/') ? name.slice('linux/'.length) : name;
  const oci = n === 'arm64/v8' ? 'arm64' : n;
  return ARCH_TABLE.find((r) => r.apk === n || r.oci === oci);
}
