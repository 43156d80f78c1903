/**
 * Decoded plain values → a typed `ImageConfig`, with the checks a shape cannot express: package
 * and repository strings, path entries, accounts, entrypoint, layering, format, certificates.
 * Every problem becomes a diagnostic at the position of the value it is about.
 */
import type { DiagnosticSink } from '../../core/index.js';
import { splitUrlCredentials } from '../../net/index.js';
import type { ConfigPath, Locations } from './decode.js';
import { indexed, isObj, isStr, list, type Obj, obj, opt, optNum, optStr, strMap } from './decoded-values.js';
import { parsePackageSpec, parseRepositorySpec } from './package-spec.js';
import { shlexSplit } from './shlex.js';
import type {
  BuildOption,
  Certificates,
  Group,
  ImageAccounts,
  ImageConfig,
  ImageContents,
  ImageEntrypoint,
  KeyringEntry,
  NamedContent,
  OsRelease,
  PackageSpec,
  PathMutation,
  PathType,
  RepositorySpec,
  User,
} from './types.js';

export class ConfigValidator {
  readonly #loc: Locations;
  readonly #sink: DiagnosticSink;

  constructor(locations: Locations, sink: DiagnosticSink) {
    this.#loc = locations;
    this.#sink = sink;
  }

  #error(code: Parameters<DiagnosticSink['error']>[0], path: ConfigPath, message: string, hint?: string): void {
    this.#sink.error(code, this.#loc.value(path), message, hint);
  }

  #warn(code: Parameters<DiagnosticSink['warn']>[0], path: ConfigPath, message: string, hint?: string): void {
    this.#sink.warn(code, this.#loc.value(path), message, hint);
  }

  validate(raw: Obj): ImageConfig {
    const accounts = this.#accounts(obj(raw.accounts));
    const config: ImageConfig = {
      contents: this.#contents(obj(raw.contents)),
      entrypoint: this.#entrypoint(obj(raw.entrypoint), ['entrypoint']),
      ...opt('cmd', this.#command(raw.cmd, ['cmd'])),
      ...opt('stopSignal', optStr(raw['stop-signal'])),
      ...opt('workDir', optStr(raw['work-dir'])),
      accounts,
      archs: list(raw.archs).filter(isStr),
      environment: this.#environment(raw.environment),
      paths: indexed(raw.paths, isObj).flatMap(([p, i]) => this.#path(p, ['paths', i]) ?? []),
      ...opt('vcsUrl', optStr(raw['vcs-url'])),
      annotations: strMap(raw.annotations),
      ...opt('include', optStr(raw.include)),
      volumes: list(raw.volumes).filter(isStr),
      ...opt('layering', raw.layering === undefined ? undefined : this.#layering(obj(raw.layering))),
      ...opt('format', this.#format(raw.format, raw.layering)),
      ...opt('certificates', raw.certificates === undefined ? undefined : this.#certificates(obj(raw.certificates))),
      ...opt('options', raw.options === undefined ? undefined : this.#options(obj(raw.options))),
      ...opt('osRelease', raw['os-release'] === undefined ? undefined : osRelease(obj(raw['os-release']))),
    };
    this.#baseImageAlone(raw);
    return config;
  }

  #repositories(v: unknown, key: string): RepositorySpec[] {
    return indexed(v, isStr).flatMap(([s, i]) => {
      const r = parseRepositorySpec(s);
      if (r.ok) return [r.value];
      this.#error('IMAGE_CONFIG_VALUE', ['contents', key, i], `contents.${key}[${i}]: '${s}': ${r.reason}`);
      return [];
    });
  }

  #contents(c: Obj): ImageContents {
    const packages: PackageSpec[] = indexed(c.packages, isStr).flatMap(([s, i]) => {
      const r = parsePackageSpec(s);
      if (r.ok) return [r.value];
      this.#error(
        'IMAGE_CONFIG_BAD_PACKAGE',
        ['contents', 'packages', i],
        `contents.packages[${i}]: '${s}' is not a package constraint: ${r.reason}`,
        'write name, name=version, name>=version, name~version, name@tag or !name',
      );
      return [];
    });
    const keyring: KeyringEntry[] = list(c.keyring).flatMap((k, i): KeyringEntry[] => {
      if (typeof k === 'string') {
        const split = splitUrlCredentials(k);
        return [{ kind: 'uri', uri: split.url, ...(split.credential ? { credential: split.credential } : {}) }];
      }
      const inline = this.#namedContent(k, ['contents', 'keyring', i], 'key');
      return inline ? [{ kind: 'inline', ...inline }] : [];
    });
    const runtimeKeyring = list(c.runtime_keyring).flatMap(
      (k, i) => this.#namedContent(k, ['contents', 'runtime_keyring', i], 'key') ?? [],
    );
    const base = obj(c.baseimage);
    return {
      repositories: this.#repositories(c.repositories, 'repositories'),
      buildRepositories: this.#repositories(c.build_repositories, 'build_repositories'),
      runtimeRepositories: this.#repositories(c.runtime_repositories, 'runtime_repositories'),
      keyring,
      runtimeKeyring,
      packages,
      ...(typeof base.image === 'string' && typeof base.apkindex === 'string'
        ? { baseimage: { image: base.image, apkindex: base.apkindex } }
        : {}),
    };
  }

  /** `{name, content}`: the name becomes a file name; the content must be PEM of the right kind. */
  #namedContent(v: unknown, path: ConfigPath, kind: 'key' | 'certificate'): NamedContent | undefined {
    const o = obj(v);
    if (typeof o.name !== 'string' || typeof o.content !== 'string') return undefined;
    const where = describe(path);
    if (o.name === '' || o.name.includes('/') || o.name === '.' || o.name === '..') {
      this.#error('IMAGE_CONFIG_VALUE', [...path, 'name'], `${where}.name: '${o.name}' must be a plain file name`);
      return undefined;
    }
    if (kind === 'key' && !/-----BEGIN [A-Z ]*PUBLIC KEY-----/.test(o.content)) {
      this.#error('IMAGE_CONFIG_VALUE', [...path, 'content'], `${where}.content: not a PEM public key`);
      return undefined;
    }
    if (kind === 'certificate') {
      const n = o.content.match(/-----BEGIN CERTIFICATE-----/g)?.length ?? 0;
      if (n !== 1) {
        this.#error(
          'IMAGE_CONFIG_VALUE',
          [...path, 'content'],
          `${where}.content: must hold exactly one PEM certificate, found ${n}`,
          'add one entry per certificate',
        );
        return undefined;
      }
    }
    return { name: o.name, content: o.content };
  }

  #command(v: unknown, path: ConfigPath): string | undefined {
    if (typeof v !== 'string') return undefined;
    const r = shlexSplit(v);
    if (!r.ok) this.#error('IMAGE_CONFIG_VALUE', path, `${describe(path)}: cannot split '${v}': ${r.reason}`);
    return v;
  }

  #entrypoint(e: Obj, path: ConfigPath): ImageEntrypoint {
    const type = optStr(e.type);
    const command = this.#command(e.command, [...path, 'command']);
    const shellFragment = optStr(e['shell-fragment']);
    const services = e.services === undefined ? undefined : strMap(e.services);
    const where = describe(path);
    if (type === 'service-bundle') {
      if (!services || Object.keys(services).length === 0) {
        this.#error('IMAGE_CONFIG_MISSING', [...path, 'type'], `${where}: type service-bundle needs services`);
      }
      if (command !== undefined || shellFragment !== undefined) {
        this.#warn(
          'IMAGE_CONFIG_VALUE',
          [...path, command !== undefined ? 'command' : 'shell-fragment'],
          `${where}: a service-bundle always runs /bin/s6-svscan /sv; this command is ignored`,
        );
      }
    } else {
      if (services !== undefined) {
        this.#warn(
          'IMAGE_CONFIG_VALUE',
          [...path, 'services'],
          `${where}.services: used only with type service-bundle`,
        );
      }
      if (command !== undefined && shellFragment !== undefined) {
        this.#warn(
          'IMAGE_CONFIG_VALUE',
          [...path, 'shell-fragment'],
          `${where}: both command and shell-fragment are set`,
          'set only one of them',
        );
      }
    }
    return {
      ...opt('type', type),
      ...opt('command', command),
      ...opt('shellFragment', shellFragment),
      ...opt('services', services),
    };
  }

  #accounts(a: Obj): ImageAccounts {
    const users: User[] = indexed(a.users, isObj).flatMap(([u, i]): User[] => {
      const path = ['accounts', 'users', i];
      if (typeof u.username !== 'string' || typeof u.uid !== 'number') return [];
      let ok = this.#passwdField(u.username, [...path, 'username']);
      if (u.uid === 0) {
        this.#error(
          'IMAGE_CONFIG_VALUE',
          [...path, 'uid'],
          `${describe(path)}: user '${u.username}' has uid 0`,
          'to run as root, leave the user out and set run-as: 0',
        );
        ok = false;
      }
      for (const f of ['shell', 'homedir'])
        if (typeof u[f] === 'string') ok = this.#passwdField(u[f], [...path, f]) && ok;
      if (!ok) return [];
      return [
        {
          username: u.username,
          uid: u.uid,
          ...opt('gid', optNum(u.gid)),
          ...opt('shell', optStr(u.shell)),
          ...opt('homedir', optStr(u.homedir)),
        },
      ];
    });
    const groups: Group[] = indexed(a.groups, isObj).flatMap(([g, i]): Group[] => {
      const path = ['accounts', 'groups', i];
      if (typeof g.groupname !== 'string' || !this.#passwdField(g.groupname, [...path, 'groupname'])) return [];
      const members = indexed(g.members, isStr).filter(([m, j]) => this.#passwdField(m, [...path, 'members', j], ','));
      return [{ groupname: g.groupname, gid: optNum(g.gid) ?? 0, members: members.map(([m]) => m) }];
    });
    return { ...opt('runAs', optStr(a['run-as'])), users, groups };
  }

  /** A field of /etc/passwd or /etc/group: no `:` or newline (and no `,` in member lists). */
  #passwdField(v: unknown, path: ConfigPath, extra = ''): boolean {
    if (typeof v !== 'string') return false;
    const bad = new RegExp(`[:\\n${extra}]`);
    if (v === '' || bad.test(v)) {
      this.#error(
        'IMAGE_CONFIG_VALUE',
        path,
        `${describe(path)}: '${v}' cannot be written to /etc/passwd or /etc/group`,
      );
      return false;
    }
    return true;
  }

  #environment(v: unknown): Record<string, string> {
    const env = strMap(v);
    for (const k of Object.keys(env)) {
      if (k === '' || k.includes('=')) {
        this.#error('IMAGE_CONFIG_VALUE', ['environment', k], `environment: '${k}' is not a variable name`);
        delete env[k];
      }
    }
    return env;
  }

  #path(p: Obj, path: ConfigPath): PathMutation | undefined {
    if (typeof p.path !== 'string' || typeof p.type !== 'string') return undefined;
    const type = p.type as PathType;
    const where = `${describe(path)} (${p.path})`;
    const segments = p.path.split('/');
    if (p.path === '' || segments.includes('..')) {
      this.#error('IMAGE_CONFIG_BAD_PATH', [...path, 'path'], `${where}: the path must stay inside the image`);
      return undefined;
    }
    const source = optStr(p.source);
    const linky = type === 'hardlink' || type === 'symlink';
    if (linky && (source === undefined || source === '')) {
      this.#error('IMAGE_CONFIG_BAD_PATH', path, `${where}: a ${type} needs a source`, 'add source: <the link target>');
      return undefined;
    }
    if (!linky && source !== undefined) {
      this.#warn('IMAGE_CONFIG_BAD_PATH', [...path, 'source'], `${where}: source is used only by hardlink and symlink`);
    }
    if (p.recursive === true && type !== 'directory' && type !== 'permissions') {
      this.#warn(
        'IMAGE_CONFIG_BAD_PATH',
        [...path, 'recursive'],
        `${where}: recursive applies only to directory and permissions`,
      );
    }
    if (type === 'symlink' && p.permissions !== undefined) {
      this.#warn(
        'IMAGE_CONFIG_BAD_PATH',
        [...path, 'permissions'],
        `${where}: permissions of a symlink are ignored (they never apply to its target)`,
      );
    }
    if (type === 'permissions' && p.permissions === undefined && p.uid === undefined && p.gid === undefined) {
      this.#warn(
        'IMAGE_CONFIG_BAD_PATH',
        path,
        `${where}: a permissions entry without permissions, uid or gid does nothing`,
      );
    }
    const trimmed = p.path.length > 1 ? p.path.replace(/\/+$/, '') : p.path;
    return {
      path: trimmed === '' ? '/' : trimmed,
      type,
      ...opt('uid', optNum(p.uid)),
      ...opt('gid', optNum(p.gid)),
      ...opt('permissions', optNum(p.permissions)),
      ...opt('source', source),
      recursive: p.recursive === true,
    };
  }

  #layering(l: Obj) {
    const strategy = optStr(l.strategy);
    const budget = optNum(l.budget);
    if (strategy === undefined && budget !== undefined && !this.#loc.has(['layering', 'strategy'])) {
      this.#error('IMAGE_CONFIG_MISSING', ['layering', 'budget'], 'layering: a budget needs strategy: origin');
    }
    return { ...opt('strategy', strategy), ...opt('budget', budget) };
  }

  #format(v: unknown, layering: unknown): string | undefined {
    if (typeof v !== 'string') return undefined;
    if (!/^(tar|erofs(\+(zstd|lz4|lz4hc|deflate)(,level=[^,]*)?)?)$/.test(v)) {
      this.#error(
        'IMAGE_CONFIG_VALUE',
        ['format'],
        `format: '${v}' is not a layer format`,
        'use tar, erofs, or erofs+zstd|lz4|lz4hc|deflate[,level=N]',
      );
      return undefined;
    }
    if (v.startsWith('erofs') && typeof obj(layering).strategy === 'string') {
      this.#error('IMAGE_CONFIG_VALUE', ['format'], 'format: erofs cannot be combined with layering');
    }
    return v;
  }

  #certificates(c: Obj): Certificates {
    return {
      additional: list(c.additional).flatMap(
        (x, i) => this.#namedContent(x, ['certificates', 'additional', i], 'certificate') ?? [],
      ),
      providers: list(c.providers).filter(isStr),
    };
  }

  #options(o: Obj): Record<string, BuildOption> {
    const out: Record<string, BuildOption> = {};
    for (const [name, v] of Object.entries(o)) {
      const b = obj(v);
      const pk = obj(obj(b.contents).packages);
      const entrypoint =
        b.entrypoint === undefined ? undefined : this.#entrypoint(obj(b.entrypoint), ['options', name, 'entrypoint']);
      out[name] = {
        packagesAdd: list(pk.add).filter(isStr),
        packagesRemove: list(pk.remove).filter(isStr),
        ...opt('runAs', optStr(obj(b.accounts)['run-as'])),
        environment: strMap(b.environment),
        ...opt('entrypoint', entrypoint),
      };
    }
    return out;
  }

  /** apko: with contents.baseimage, only contents, archs and include may be set. */
  #baseImageAlone(raw: Obj): void {
    if (obj(raw.contents).baseimage === undefined) return;
    for (const key of Object.keys(raw)) {
      if (!['contents', 'archs', 'include'].includes(key)) {
        this.#error(
          'IMAGE_CONFIG_VALUE',
          [key],
          `${key}: cannot be set together with contents.baseimage`,
          'with a base image only contents, archs and include are supported',
        );
      }
    }
  }
}

function osRelease(o: Obj): OsRelease {
  return {
    ...opt('name', optStr(o.name)),
    ...opt('id', optStr(o.id)),
    ...opt('versionId', optStr(o['version-id'])),
    ...opt('prettyName', optStr(o['pretty-name'])),
    ...opt('homeUrl', optStr(o['home-url'])),
    ...opt('bugReportUrl', optStr(o['bug-report-url'])),
  };
}

function describe(path: ConfigPath): string {
  let s = '';
  for (const p of path) s += typeof p === 'number' ? `[${p}]` : s === '' ? p : `.${p}`;
  return s;
}
