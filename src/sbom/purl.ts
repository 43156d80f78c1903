/**
 * Package URLs (purl spec, ECMA-427 character rules): everything but ASCII letters, digits, `.-_~`
 * and `:` is percent-encoded as UTF-8 with upper-case hex, in every component. Qualifier keys are
 * sorted; empty qualifier values are dropped.
 */
import { LupineError } from '../core/index.js';

export interface Purl {
  readonly type: string;
  /** Segments joined with '/', decoded; '' when none. */
  readonly namespace: string;
  readonly name: string;
  /** '' when none. */
  readonly version: string;
  readonly qualifiers: Readonly<Record<string, string>>;
  /** '' when none. */
  readonly subpath: string;
}

const SAFE = /[A-Za-z0-9._~:-]/;

/** Percent-encodes one purl component (a namespace segment, name, version, qualifier value, subpath segment). */
export function purlEncode(value: string): string {
  let out = '';
  for (const ch of value) {
    if (SAFE.test(ch)) {
      out += ch;
      continue;
    }
    for (const byte of Buffer.from(ch, 'utf8')) out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

function purlDecode(value: string, purl: string): string {
  try {
    return decodeURIComponent(value);
  } catch (cause) {
    throw badPurl(purl, `bad percent-encoding in '${value}'`, cause);
  }
}

function badPurl(purl: string, why: string, cause?: unknown): LupineError {
  return new LupineError('SBOM_MALFORMED', `not a package URL: '${purl}' (${why})`, {
    cause,
    details: { purl },
    hint: 'a purl looks like pkg:type/namespace/name@version?key=value#subpath',
  });
}

function compareKeys(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
}

/** The canonical string of a purl. */
export function formatPurl(p: Purl): string {
  let s = `pkg:${p.type.toLowerCase()}/`;
  if (p.namespace !== '') {
    s += `${p.namespace
      .split('/')
      .filter((seg) => seg !== '')
      .map(purlEncode)
      .join('/')}/`;
  }
  s += purlEncode(p.name);
  if (p.version !== '') s += `@${purlEncode(p.version)}`;
  const keys = Object.keys(p.qualifiers)
    .filter((k) => (p.qualifiers[k] ?? '') !== '')
    .sort(compareKeys);
  if (keys.length > 0) s += `?${keys.map((k) => `${k}=${purlEncode(p.qualifiers[k] ?? '')}`).join('&')}`;
  if (p.subpath !== '') {
    const segs = p.subpath.split('/').filter((seg) => seg !== '' && seg !== '.' && seg !== '..');
    if (segs.length > 0) s += `#${segs.map(purlEncode).join('/')}`;
  }
  return s;
}

/** Parses a purl (lenient about `pkg://` and about encoding that other tools leave out). */
export function parsePurl(purl: string): Purl {
  if (!purl.startsWith('pkg:')) throw badPurl(purl, "no 'pkg:' scheme");
  let rest = purl.slice(4).replace(/^\/+/, '');
  let subpath = '';
  const hash = rest.indexOf('#');
  if (hash >= 0) {
    subpath = rest
      .slice(hash + 1)
      .split('/')
      .filter((seg) => seg !== '' && seg !== '.' && seg !== '..')
      .map((seg) => purlDecode(seg, purl))
      .join('/');
    rest = rest.slice(0, hash);
  }
  const qualifiers: Record<string, string> = {};
  const q = rest.indexOf('?');
  if (q >= 0) {
    for (const pair of rest.slice(q + 1).split('&')) {
      if (pair === '') continue;
      const eq = pair.indexOf('=');
      if (eq <= 0) throw badPurl(purl, `qualifier '${pair}' has no key=value`);
      const value = purlDecode(pair.slice(eq + 1), purl);
      if (value !== '') qualifiers[pair.slice(0, eq)] = value;
    }
    rest = rest.slice(0, q);
  }
  const slash = rest.indexOf('/');
  if (slash <= 0) throw badPurl(purl, 'no type or no name');
  const type = rest.slice(0, slash).toLowerCase();
  let path = rest.slice(slash + 1).replace(/\/+$/, '');
  let version = '';
  const at = path.lastIndexOf('@');
  if (at >= 0 && at > path.lastIndexOf('/')) {
    version = purlDecode(path.slice(at + 1), purl);
    path = path.slice(0, at);
  }
  const segs = path.split('/').filter((seg) => seg !== '');
  const last = segs.pop();
  if (last === undefined || last === '') throw badPurl(purl, 'no name');
  return {
    type,
    namespace: segs.map((seg) => purlDecode(seg, purl)).join('/'),
    name: purlDecode(last, purl),
    version,
    qualifiers,
    subpath,
  };
}

/** What an APK purl says: the distro namespace (os-release ID) and the package. */
export interface ApkPurlInput {
  readonly osId: string;
  /** os-release VERSION_ID; '' gives `distro=<os-id>`. */
  readonly osVersionId: string;
  readonly name: string;
  readonly version: string;
  readonly arch: string;
  /** The origin package; added as `upstream=` (as syft does) only when it differs from the name. */
  readonly origin?: string;
}

/** `pkg:apk/<os-id>/<name>@<version>?arch=<arch>&distro=<os-id>-<version-id>[&upstream=<origin>]`. */
export function apkPurl(p: ApkPurlInput): string {
  const ns = (p.osId === '' ? 'unknown' : p.osId).toLowerCase();
  const distro = p.osVersionId === '' ? ns : `${ns}-${p.osVersionId}`;
  const qualifiers: Record<string, string> = { arch: p.arch, distro };
  if (p.origin !== undefined && p.origin !== '' && p.origin !== p.name) qualifiers.upstream = p.origin;
  // The apk purl type says namespace and name are case-insensitive and lower-cased.
  return formatPurl({
    type: 'apk',
    namespace: ns,
    name: p.name.toLowerCase(),
    version: p.version,
    qualifiers,
    subpath: '',
  });
}

export interface OciPurlInput {
  /** The last path component of the repository (`static` for cgr.dev/chainguard/static). */
  readonly name: string;
  /** `sha256:<hex>` */
  readonly digest: string;
  readonly arch?: string;
  readonly os?: string;
  readonly mediaType?: string;
  /** The repository without the name's last component's tag, e.g. `cgr.dev/chainguard/static`. */
  readonly repositoryUrl?: string;
  readonly tag?: string;
}

/** `pkg:oci/<name>@<digest>?arch=…&mediaType=…&os=…&repository_url=…&tag=…` (keys as apko writes them). */
export function ociPurl(p: OciPurlInput): string {
  return formatPurl({
    type: 'oci',
    namespace: '',
    name: p.name.toLowerCase(),
    version: p.digest,
    qualifiers: {
      arch: p.arch ?? '',
      mediaType: p.mediaType ?? '',
      os: p.os ?? '',
      repository_url: p.repositoryUrl ?? '',
      tag: p.tag ?? '',
    },
    subpath: '',
  });
}

/** `pkg:github/<owner>/<repo>@<commit or tag>[#<path>]`. */
export function githubPurl(owner: string, repo: string, version: string, subpath = ''): string {
  return formatPurl({
    type: 'github',
    namespace: owner.toLowerCase(),
    name: repo.toLowerCase(),
    version,
    qualifiers: {},
    subpath,
  });
}

/** `pkg:generic/<name>@<version>?checksum=<alg>:<hex>&download_url=<url>` for a fetched source. */
export function genericPurl(
  name: string,
  version: string,
  opts: { downloadUrl?: string; vcsUrl?: string; checksum?: string } = {},
): string {
  return formatPurl({
    type: 'generic',
    namespace: '',
    name,
    version,
    qualifiers: { checksum: opts.checksum ?? '', download_url: opts.downloadUrl ?? '', vcs_url: opts.vcsUrl ?? '' },
    subpath: '',
  });
}

/**
 * The GitHub owner and repository of a URL such as `https://github.com/wolfi-dev/os(.git)`;
 * undefined for other hosts.
 */
export function githubRepository(url: string): { owner: string; repo: string } | undefined {
  const m = /^(?:https?:\/\/|git@|ssh:\/\/git@)github\.com[/:]([^/\s]+)\/([^/\s#?]+?)(?:\.git)?\/?$/.exec(url);
  if (!m) return undefined;
  return { owner: m[1] as string, repo: m[2] as string };
}
