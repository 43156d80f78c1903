import { compareVersions } from '../../apk/index.js';

/**
 * The build information a Go (1.18+) binary embeds (`go version -m`): the toolchain version and
 * the `build` settings (CGO_ENABLED, GOEXPERIMENT, …). Like Go's debug/buildinfo it looks for
 * the `\xff Go buildinf:` header; only the inline-string format of Go 1.18 and later is read.
 */
export interface GoBuildInfo {
  readonly goVersion: string;
  readonly settings: Readonly<Record<string, string>>;
}

const MAGIC = Buffer.from('\xff Go buildinf:', 'latin1');
const HEADER = 32;
const FLAG_INLINE = 2;

function uvarint(b: Uint8Array, at: number): [number, number] | undefined {
  let v = 0;
  let shift = 0;
  for (let i = at; i < b.length && i < at + 10; i++) {
    const c = b[i] as number;
    v += (c & 0x7f) * 2 ** shift;
    if ((c & 0x80) === 0) return [v, i + 1];
    shift += 7;
  }
  return undefined;
}

function decodeBytes(b: Uint8Array, at: number): [Uint8Array, number] | undefined {
  const n = uvarint(b, at);
  if (n === undefined || n[1] + n[0] > b.length) return undefined;
  return [b.subarray(n[1], n[1] + n[0]), n[1] + n[0]];
}

/**
 * Reads the build info from `region` (the `.go.buildinfo` section when the ELF has one; else the
 * whole file), where the header sits at a 16-byte boundary of the region.
 */
export function readGoBuildInfo(bytes: Uint8Array, region?: { offset: number; size: number }): GoBuildInfo | undefined {
  const start = region?.offset ?? 0;
  const end = Math.min(bytes.byteLength, region === undefined ? bytes.byteLength : region.offset + region.size);
  if (start < 0 || start >= end) return undefined;
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start);
  let at = buf.indexOf(MAGIC);
  while (at >= 0 && at % 16 !== 0) at = buf.indexOf(MAGIC, at + 1);
  if (at < 0 || at + HEADER > buf.length) return undefined;
  const flags = buf[at + 15] as number;
  if ((flags & FLAG_INLINE) === 0) return undefined;
  const vers = decodeBytes(buf, at + HEADER);
  if (vers === undefined) return undefined;
  const mod = decodeBytes(buf, vers[1])?.[0] ?? new Uint8Array(0);
  // The module info is wrapped in 16-byte sentinels.
  const framed = mod.length >= 33 && mod[mod.length - 17] === 0x0a;
  const info = framed ? Buffer.from(mod.subarray(16, mod.length - 16)).toString('utf8') : '';
  const settings: Record<string, string> = {};
  for (const line of info.split('\n')) {
    if (!line.startsWith('build\t')) continue;
    const kv = line.slice(6);
    const eq = kv.indexOf('=');
    if (eq > 0) settings[kv.slice(0, eq)] = kv.slice(eq + 1).replace(/^"(.*)"$/, '$1');
  }
  return { goVersion: Buffer.from(vers[0]).toString('utf8'), settings };
}

/**
 * Whether the go toolchain in `chainguard_go_package` (`<name>-<full version>`, e.g.
 * go-msft-1.27-1.27.1.2-r1) has the libcrypto.so.4 ABI: go-msft 1.27 from 1.27.1.2-r1 on, and
 * every later go-msft stream.
 */
export function goSupportsLibcrypto4(goPackage: string): boolean {
  if (!goPackage.startsWith('go-msft-')) return false;
  const rest = goPackage.slice('go-msft-'.length);
  const dash = rest.indexOf('-');
  if (dash < 0) return false;
  const stream = rest.slice(0, dash);
  const full = rest.slice(dash + 1);
  if (!/^[0-9]+(\.[0-9]+)*$/.test(stream)) return false;
  const c = compareVersions(stream, '1.27');
  if (c !== 0) return c > 0;
  if (!/^[0-9]+(\.[0-9]+)*(-r[0-9]+)?$/.test(full)) return false;
  return compareVersions(full, '1.27.1.2-r1') >= 0;
}

/** melange's FIPS depends for a Go binary's build settings. */
export function goFipsDepends(info: GoBuildInfo): string[] {
  let dlopen = false;
  let fipscrypto = false;
  let fipsgeomys = false;
  let geomysv1 = false;
  let geomysesv = false;
  let libcrypto = 'so:libcrypto.so.3';
  for (const [key, value] of Object.entries(info.settings)) {
    if (key === 'CGO_ENABLED' && value === '1') dlopen = true;
    if (key === 'chainguard_cryptographic_module' && value === 'openssl+geomys') {
      dlopen = true;
      fipscrypto = true;
      fipsgeomys = true;
    }
    if (key === 'chainguard_cryptographic_module' && value === 'geomys') fipsgeomys = true;
    if (key === 'chainguard_entropy_source' && (value === 'openssl+geomys' || value === 'geomys')) geomysesv = true;
    if (key === 'GOFIPS140' && value === 'v1.0.0-c2097c7c') geomysv1 = true;
    if (key === 'GOEXPERIMENT' && ['boringcrypto', 'systemcrypto', 'opensslcrypto'].includes(value)) fipscrypto = true;
    if (key === 'microsoft_systemcrypto' && value === '1') fipscrypto = true;
    if (key === 'chainguard_go_package' && goSupportsLibcrypto4(value)) libcrypto = 'so:libcrypto.so.4';
  }
  const out: string[] = [];
  if (dlopen && fipscrypto) out.push('openssl-config-fipshardened', libcrypto);
  if (fipsgeomys && geomysesv && geomysv1) out.push('NIST-CMVP-5247', 'NIST-ESV-318');
  return out;
}
