/**
 * What an index, an installed database or a `.PKGINFO` says about one package.
 * Lists keep the dependency strings as written (`so:libc.so.6`, `foo>=1.2`); the resolver parses them.
 */
export interface PackageInfo {
  /** P: / pkgname */
  name: string;
  /** V: / pkgver (with -rN) */
  version: string;
  /** C: identity, `Q1` + base64(SHA-1 of the control member); '' when unknown */
  identity: string;
  /** A: / arch; '' when absent */
  arch: string;
  /** S: size of the .apk file in bytes */
  size: number;
  /** I: / size, installed size in bytes */
  installedSize: number;
  /** T: / pkgdesc */
  description: string;
  /** U: / url */
  url: string;
  /** L: / license */
  license: string;
  /** o: / origin */
  origin: string;
  /** m: / maintainer */
  maintainer: string;
  /** t: / builddate, Unix seconds; 0 when absent */
  buildTime: number;
  /** c: / commit */
  commit: string;
  /** k: / provider_priority; 0 when absent */
  providerPriority: number;
  /** D: / depend */
  depends: string[];
  /** p: / provides */
  provides: string[];
  /** i: / install_if */
  installIf: string[];
  /** r: / replaces (installed DB and .PKGINFO only) */
  replaces: string[];
  /** q: / replaces_priority; 0 when absent */
  replacesPriority: number;
  /** .PKGINFO triggers (directory globs) */
  triggers: string[];
  /** .PKGINFO datahash: lowercase hex SHA-256 of the data member; '' when absent */
  datahash: string;
  /** An unknown uppercase field was present: apk treats the package as not installable. */
  uninstallable?: boolean;
}

export function emptyPackageInfo(name = '', version = ''): PackageInfo {
  return {
    name,
    version,
    identity: '',
    arch: '',
    size: 0,
    installedSize: 0,
    description: '',
    url: '',
    license: '',
    origin: '',
    maintainer: '',
    buildTime: 0,
    commit: '',
    providerPriority: 0,
    depends: [],
    provides: [],
    installIf: [],
    replaces: [],
    replacesPriority: 0,
    triggers: [],
    datahash: '',
  };
}
