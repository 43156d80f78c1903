/**
 * A resolved config back to apko's keys, in a fixed order (apko's struct order), empty values
 * left out, map keys sorted — the output of `lupine image show-config`. The YAML parses back to
 * the same resolved config.
 */
import { Document, Scalar } from 'yaml';
import type { ImageEntrypoint, NamedContent, RepositorySpec, ResolvedImageConfig } from './types.js';

type Out = Record<string, unknown>;

/** Drops undefined, empty lists and empty objects, so the output holds only what is set. */
function compact(o: Out): Out | undefined {
  const out: Out = {};
  for (const [k, v] of Object.entries(o)) {
    if (v === undefined || v === null) continue;
    if (Array.isArray(v) && v.length === 0) continue;
    if (typeof v === 'object' && !Array.isArray(v) && !(v instanceof Scalar) && Object.keys(v).length === 0) continue;
    out[k] = v;
  }
  return Object.keys(out).length === 0 ? undefined : out;
}

const sorted = (m: Readonly<Record<string, string>> | undefined): Out | undefined =>
  m
    ? Object.fromEntries(
        Object.keys(m)
          .sort()
          .map((k) => [k, m[k]]),
      )
    : undefined;

const repo = (r: RepositorySpec) => (r.tag === null ? r.url : `@${r.tag} ${r.url}`);
const named = (n: NamedContent) => ({ name: n.name, content: n.content });

function entrypoint(e: ImageEntrypoint | undefined): Out | undefined {
  if (!e) return undefined;
  return compact({ type: e.type, command: e.command, 'shell-fragment': e.shellFragment, services: sorted(e.services) });
}

/**
 * The config as a plain object with apko's key names. `mode` receives each path's permission
 * bits so the YAML writer can print them in octal; JSON keeps plain numbers.
 */
export function imageConfigToApko(c: ResolvedImageConfig, mode: (n: number) => unknown = (n) => n): Out {
  const options = c.options
    ? Object.fromEntries(
        Object.keys(c.options)
          .sort()
          .map((name) => {
            const o = c.options?.[name];
            return [
              name,
              compact({
                contents: compact({ packages: compact({ add: o?.packagesAdd, remove: o?.packagesRemove }) }),
                accounts: compact({ 'run-as': o?.runAs }),
                environment: sorted(o?.environment),
                entrypoint: entrypoint(o?.entrypoint),
              }) ?? {},
            ];
          }),
      )
    : undefined;
  return (
    compact({
      contents: compact({
        repositories: c.contents.repositories.map(repo),
        build_repositories: c.contents.buildRepositories.map(repo),
        runtime_repositories: c.contents.runtimeRepositories.map(repo),
        keyring: c.contents.keyring.map((k) => (k.kind === 'uri' ? k.uri : named(k))),
        runtime_keyring: c.contents.runtimeKeyring.map(named),
        packages: c.contents.packages.map((p) => p.raw),
        baseimage: c.contents.baseimage ? { ...c.contents.baseimage } : undefined,
      }),
      entrypoint: entrypoint(c.entrypoint),
      cmd: c.cmd,
      'stop-signal': c.stopSignal,
      'work-dir': c.workDir,
      accounts: compact({
        'run-as': c.accounts.runAs,
        users: c.accounts.users.map((u) => ({ ...u })),
        groups: c.accounts.groups.map((g) => compact({ groupname: g.groupname, gid: g.gid, members: [...g.members] })),
      }),
      archs: [...c.archs],
      environment: sorted(c.environment),
      paths: c.paths.map((p) =>
        compact({
          path: p.path,
          type: p.type,
          uid: p.owner?.uid,
          gid: p.owner?.gid,
          permissions: p.permissions === null ? undefined : mode(p.permissions),
          source: p.source,
          recursive: p.recursive ? true : undefined,
        }),
      ),
      'vcs-url': c.vcsUrl,
      annotations: sorted(c.annotations),
      volumes: [...c.volumes],
      layering: c.layering ? { ...c.layering } : undefined,
      format: c.format,
      certificates: c.certificates
        ? compact({ additional: c.certificates.additional.map(named), providers: [...c.certificates.providers] })
        : undefined,
      options,
      'os-release': c.osRelease
        ? compact({
            name: c.osRelease.name,
            id: c.osRelease.id,
            'version-id': c.osRelease.versionId,
            'pretty-name': c.osRelease.prettyName,
            'home-url': c.osRelease.homeUrl,
            'bug-report-url': c.osRelease.bugReportUrl,
          })
        : undefined,
    }) ?? {}
  );
}

export interface ShowConfigOptions {
  readonly format?: 'yaml' | 'json';
}

/** The resolved config as YAML (default) or JSON, deterministic byte for byte. */
export function showConfig(config: ResolvedImageConfig, options: ShowConfigOptions = {}): string {
  if (options.format === 'json') return `${JSON.stringify(imageConfigToApko(config), null, 2)}\n`;
  const octal = (n: number) => {
    const s = new Scalar(n);
    s.format = 'OCT';
    return s;
  };
  const doc = new Document(imageConfigToApko(config, octal));
  return doc.toString({ lineWidth: 0, indentSeq: true });
}
