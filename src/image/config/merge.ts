/**
 * apko's include merge (`ImageConfiguration.MergeInto`): the including file wins. Scalars,
 * `entrypoint`, `archs`, `layering`, `format`, `certificates` and `contents.baseimage` come from the
 * base only when the including file leaves them unset; `environment` and `annotations` merge per
 * key (including file wins); `paths`, `volumes`, users, groups and every `contents` list concatenate,
 * base first. `include` itself is consumed.
 */
import type { ImageConfig, ImageEntrypoint } from './types.js';

const isEmptyEntrypoint = (e: ImageEntrypoint) =>
  e.type === undefined && e.command === undefined && e.shellFragment === undefined && e.services === undefined;

export function mergeImageConfig(base: ImageConfig, child: ImageConfig): ImageConfig {
  const pick = <K extends keyof ImageConfig>(key: K): { [P in K]?: ImageConfig[K] } => {
    const v = child[key] ?? base[key];
    return (v === undefined ? {} : { [key]: v }) as { [P in K]?: ImageConfig[K] };
  };
  const baseimage = child.contents.baseimage ?? base.contents.baseimage;
  const options = base.options || child.options ? { ...base.options, ...child.options } : undefined;
  const runAs = child.accounts.runAs ?? base.accounts.runAs;
  return {
    contents: {
      repositories: [...base.contents.repositories, ...child.contents.repositories],
      buildRepositories: [...base.contents.buildRepositories, ...child.contents.buildRepositories],
      runtimeRepositories: [...base.contents.runtimeRepositories, ...child.contents.runtimeRepositories],
      keyring: [...base.contents.keyring, ...child.contents.keyring],
      runtimeKeyring: [...base.contents.runtimeKeyring, ...child.contents.runtimeKeyring],
      packages: [...base.contents.packages, ...child.contents.packages],
      ...(baseimage ? { baseimage } : {}),
    },
    entrypoint: isEmptyEntrypoint(child.entrypoint) ? base.entrypoint : child.entrypoint,
    ...pick('cmd'),
    ...pick('stopSignal'),
    ...pick('workDir'),
    accounts: {
      ...(runAs === undefined ? {} : { runAs }),
      users: [...base.accounts.users, ...child.accounts.users],
      groups: [...base.accounts.groups, ...child.accounts.groups],
    },
    archs: child.archs.length > 0 ? child.archs : base.archs,
    environment: { ...base.environment, ...child.environment },
    paths: [...base.paths, ...child.paths],
    ...pick('vcsUrl'),
    annotations: { ...base.annotations, ...child.annotations },
    volumes: [...base.volumes, ...child.volumes],
    ...pick('layering'),
    ...pick('format'),
    ...pick('certificates'),
    ...(options ? { options } : {}),
    ...pick('osRelease'),
  };
}
