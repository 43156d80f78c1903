/**
 * The OCI image config of one arch, from the resolved config (pure): Entrypoint, Cmd, Env, User,
 * WorkingDir, Volumes, StopSignal, Labels (annotations plus `created`, as apko copies them) and one
 * history entry per layer.
 */
import { LupineError } from '../../core/index.js';
import type { ContainerConfig, ImageConfig as OciImageConfig, Platform } from '../../oci/index.js';
import { rfc3339 } from '../../oci/index.js';
import { shlexSplit } from '../config/shlex.js';
import type { ResolvedImageConfig } from '../config/types.js';

export const CREATED_ANNOTATION = 'org.opencontainers.image.created';
const TITLE = 'org.opencontainers.image.title';
const VENDOR = 'org.opencontainers.image.vendor';

export function createdString(seconds: number): string {
  return rfc3339(new Date(seconds * 1000));
}

function words(what: string, text: string): string[] {
  const r = shlexSplit(text);
  if (!r.ok) {
    throw new LupineError('IMAGE_CONFIG_VALUE', `${what}: ${r.reason}`, { details: { value: text } });
  }
  return r.words;
}

/** The container config part (`config` of the image config). */
export function containerConfig(
  c: ResolvedImageConfig,
  labels: Readonly<Record<string, string>>,
  user: string | undefined = c.accounts.runAs,
): ContainerConfig {
  const e = c.entrypoint;
  let entrypoint: string[] | undefined;
  if (e.type === 'service-bundle') entrypoint = ['/bin/s6-svscan', '/sv'];
  else if (e.command) entrypoint = words('entrypoint.command', e.command);
  else if (e.shellFragment) entrypoint = ['/bin/sh', '-c', e.shellFragment];
  const env = Object.keys(c.environment)
    .sort()
    .map((k) => `${k}=${c.environment[k]}`);
  return {
    ...(entrypoint ? { Entrypoint: entrypoint } : {}),
    ...(c.cmd ? { Cmd: words('cmd', c.cmd) } : {}),
    ...(env.length > 0 ? { Env: env } : {}),
    ...(user ? { User: user } : {}),
    ...(c.workDir ? { WorkingDir: c.workDir } : {}),
    ...(c.volumes.length > 0 ? { Volumes: [...c.volumes] } : {}),
    ...(c.stopSignal ? { StopSignal: c.stopSignal } : {}),
    ...(Object.keys(labels).length > 0 ? { Labels: labels } : {}),
  };
}

/** The annotations of manifests and the index: the config's, vcs-url's, the caller's, and `created`. */
export function imageAnnotations(
  c: ResolvedImageConfig,
  extra: Readonly<Record<string, string>>,
  created: number,
): Record<string, string> {
  const out: Record<string, string> = { ...c.annotations };
  if (c.vcsUrl) {
    const at = c.vcsUrl.lastIndexOf('@');
    if (at > 0) {
      out['org.opencontainers.image.source'] = c.vcsUrl.slice(0, at);
      out['org.opencontainers.image.revision'] = c.vcsUrl.slice(at + 1);
    } else out['org.opencontainers.image.source'] = c.vcsUrl;
  }
  Object.assign(out, extra);
  out[CREATED_ANNOTATION] = createdString(created);
  return Object.fromEntries(
    Object.keys(out)
      .sort()
      .map((k) => [k, out[k] as string]),
  );
}

export function ociImageConfig(
  c: ResolvedImageConfig,
  o: {
    readonly platform: Platform;
    readonly created: number;
    readonly diffIds: readonly string[];
    readonly annotations: Readonly<Record<string, string>>;
    /** Overrides run-as (a username resolved to its uid). */
    readonly user?: string;
  },
): OciImageConfig {
  const created = createdString(o.created);
  const title = o.annotations[TITLE];
  const vendor = o.annotations[VENDOR];
  const comment =
    title && vendor ? `${title} by ${vendor}` : o.diffIds.length === 1 ? 'This is a lupine single-layer image' : '';
  return {
    architecture: o.platform.architecture,
    ...(o.platform.variant ? { variant: o.platform.variant } : {}),
    author: 'lupine',
    created,
    history: o.diffIds.map(() => ({
      author: 'lupine',
      created,
      created_by: 'lupine',
      ...(comment ? { comment } : {}),
    })),
    os: o.platform.os,
    rootfs: { type: 'layers', diff_ids: o.diffIds as OciImageConfig['rootfs']['diff_ids'] },
    config: containerConfig(c, o.annotations, o.user ?? c.accounts.runAs),
  };
}
