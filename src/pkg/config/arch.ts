/** Per-architecture substitution facts: Go's GOARCH and the GNU and Rust target triplets. */
import { ARCH_TABLE, archRow } from '../../apk/index.js';

export interface ArchFacts {
  readonly arch: string;
  readonly goarch: string;
  readonly gnu: string;
  readonly rust: string;
  readonly gnuMusl: string;
  readonly rustMusl: string;
}

/** The apk architectures melange builds for. */
export const BUILD_ARCHS: readonly string[] = ARCH_TABLE.map((r) => r.apk);

/** Facts for an apk architecture; undefined when it is not one. */
export function archFacts(arch: string): ArchFacts | undefined {
  const row = ARCH_TABLE.find((r) => r.apk === arch);
  if (!row) return undefined;
  const { goarch, gnuCpu, gnuVendor: vendor, rustCpu, abi } = row;
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
  return archRow(name)?.apk;
}
