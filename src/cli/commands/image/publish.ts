import { LupineError } from '../../../core/index.js';
import { imageArchs, type PublishImageResult, publishImage, type SbomFormat } from '../../../image/index.js';
import { envCredentials } from '../../../oci/index.js';
import { commandHelp, parse, requireCount, withHelp } from '../../args.js';
import type { Command } from '../../command.js';
import { EXIT_ERROR, EXIT_OK } from '../../render.js';
import { setOnly, setPaths } from '../common/set-only.js';
import { sourceDateClock, wallOrEpochClock } from '../common/wall-clock.js';
import { CONFIG_SOURCE_OPTIONS, loadConfigForCli, readLockFor } from './common.js';
import { loadSigner, pushedJson } from './registry.js';

const HELP = `Usage: lupine image publish CONFIG REF... [--arch A]... [--sbom-path DIR] [--annotations K:V]...
                            [--sign --key cosign.key [--provenance]] [--insecure] [--json] [options]

Builds CONFIG as 'lupine image build' does (one image per arch, always under an index) and pushes
it to every REF: the layers and configs, each arch's manifest and the index by digest, then the
index under each REF's tag. Prints the index as registry/repository@sha256:… (one line per
repository).

With --sign, before any tag is written, in each repository: the index and every arch's manifest
are signed as 'cosign sign --key' does (sha256-<hex>.sig), each arch's SBOMs are attested on its
manifest and the index SBOMs on the index (sha256-<hex>.att; SPDX, plus CycloneDX when
--sbom-formats names it), and with --provenance a SLSA provenance v1 (builder, the config and its
checksum, every installed package with its identity, start and finish times) on each of them. The
key's password is read from COSIGN_PASSWORD. What was signed and attested is listed on stderr
(stdout keeps only the references); --json puts everything on stdout. A re-publish of the same
image with the same key adds no duplicate signature, nor a duplicate of an identical attestation.

REF is [registry/]repository[:tag], or a URL (http://user:pass@host:port/repo:tag).
Credentials come from HTTP_AUTH (basic:host:user:pass) and docker's config.json ($DOCKER_CONFIG).
Plain HTTP is used only for registries on this machine, unless --insecure.
created is SOURCE_DATE_EPOCH when set, else the newest package build date.
`;

const options = {
  arch: {
    type: 'string',
    multiple: true,
    arg: 'A',
    help: "arch to build (OCI or apk name, comma-separated or repeated; host, all);\ndefault: the config's archs, else all",
  },
  'sbom-path': { type: 'string', arg: 'DIR', help: 'also write the SBOMs (per arch and for the index) to DIR' },
  'sbom-formats': {
    type: 'string',
    arg: 'F',
    help: 'spdx, cyclonedx or both (comma-separated; default spdx with --sbom-path\nor --sign)',
  },
  sign: { type: 'boolean', help: 'sign and attest the pushed image (needs --key)' },
  key: { type: 'string', arg: 'FILE', help: 'the encrypted private key (cosign.key) for --sign' },
  provenance: { type: 'boolean', help: 'with --sign, also attest a SLSA provenance v1' },
  annotations: {
    type: 'string',
    multiple: true,
    arg: 'K:V',
    help: 'add an annotation to the manifests and the index (repeatable)',
  },
  lockfile: {
    type: 'string',
    arg: 'FILE',
    help: 'install exactly what an apko.lock.json pins (fails if the config changed)',
  },
  ...withHelp(CONFIG_SOURCE_OPTIONS, { 'cache-dir': 'cache packages, indexes and layers here' }),
  insecure: { type: 'boolean', help: 'allow plain HTTP to a registry that is not on this machine' },
  json: { type: 'boolean', help: 'print details (index and per-arch digests, pushed references) as JSON' },
} as const;

/** `K:V` pairs (apko's `--annotations`); the first `:` splits. */
export function parseAnnotations(pairs: readonly string[], command: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of pairs) {
    const i = p.indexOf(':');
    if (i <= 0) {
      throw new LupineError('USAGE', `${command}: --annotations '${p}' is not KEY:VALUE`, {
        hint: 'e.g. --annotations org.opencontainers.image.vendor:Example',
      });
    }
    out[p.slice(0, i)] = p.slice(i + 1);
  }
  return out;
}

function sbomFormats(value: string | undefined, command: string): SbomFormat[] {
  const names = (value ?? 'spdx')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  for (const n of names) {
    if (n !== 'spdx' && n !== 'cyclonedx') {
      throw new LupineError('USAGE', `${command}: unknown SBOM format '${n}'`, { hint: 'use spdx, cyclonedx or both' });
    }
  }
  return names as SbomFormat[];
}

/** `--sign`, `--key` and `--provenance` go together: a USAGE error for any other mix. */
function signingFlags(values: { sign?: boolean; key?: string; provenance?: boolean }): string | undefined {
  const usage = (problem: string) =>
    new LupineError('USAGE', `image publish: ${problem}`, { hint: "see 'lupine image publish --help'" });
  if (values.sign !== true) {
    if (values.key !== undefined) throw usage('--key is only used with --sign');
    if (values.provenance === true) throw usage('--provenance needs --sign --key');
    return undefined;
  }
  if (values.key === undefined || values.key === '')
    throw usage('--sign needs --key (keyless signing is not supported)');
  return values.key;
}

/** stderr lines: one per signature and attestation. */
function signingSummary(r: PublishImageResult): string {
  const lines: string[] = [];
  for (const s of r.signed) {
    const what = s.appended ? 'signed' : 'already signed';
    lines.push(`${what} ${s.name}@${s.digest} (${s.subject}) -> ${s.name}:${s.tag}\n`);
  }
  for (const a of r.attested) {
    const what = a.appended ? 'attested' : 'already attested';
    const file = a.sbom ? ` ${a.sbom}` : '';
    lines.push(`${what} ${a.predicateType}${file} on ${a.name}@${a.digest} (${a.subject}) -> ${a.name}:${a.tag}\n`);
  }
  return lines.join('');
}

export const imagePublishCommand: Command = {
  path: ['image', 'publish'],
  summary: 'build an apko config and push every arch, the index and each tag to a registry',
  help: commandHelp(HELP, options),
  options: options,
  async run(argv, io) {
    const { values, positionals } = parse(argv, options, 'image publish');
    requireCount(positionals, 2, Number.MAX_SAFE_INTEGER, 'image publish', 'CONFIG and at least one REF');
    const [configPath, ...refs] = positionals as [string, ...string[]];
    const annotations = parseAnnotations(values.annotations ?? [], 'image publish');
    const keyPath = signingFlags(values);
    const formats =
      values['sbom-path'] || keyPath !== undefined ? sbomFormats(values['sbom-formats'], 'image publish') : [];
    // A wrong password fails here, before the build and the push.
    const signer = keyPath !== undefined ? await loadSigner(keyPath, io) : undefined;
    const loaded = await loadConfigForCli(configPath, io, values);
    if (!loaded) return EXIT_ERROR;
    const archs = imageArchs(loaded.config, values.arch, 'image publish');
    const lockfile = values.lockfile ? await readLockFor(values.lockfile, io, loaded, archs) : undefined;
    const clock = sourceDateClock(io);

    const r = await publishImage(loaded.config, {
      archs,
      workDir: io.cwd,
      env: io.env,
      keyringAppend: values['keyring-append'] ?? [],
      repositoryAppend: values['repository-append'] ?? [],
      packageAppend: values['package-append'] ?? [],
      sbomFormats: formats,
      annotations,
      refs,
      credentials: envCredentials(io.env),
      insecure: values.insecure === true,
      ...setOnly({ clock, lockfile, offline: values.offline ? true : undefined }),
      ...setPaths(io.cwd, { cacheDir: values['cache-dir'], sbomDir: values['sbom-path'] }),
      ...(signer
        ? {
            sign: {
              signer,
              clock: wallOrEpochClock(io),
              ...(values.provenance ? { provenance: { configName: configPath, configFiles: loaded.files } } : {}),
            },
          }
        : {}),
    });
    const build = r.build;
    if (values.json) {
      io.stdout.write(
        pushedJson(r.pushed, {
          index: build.index.descriptor.digest,
          images: build.perArch.map((p) => ({
            arch: p.arch,
            platform: p.platform,
            digest: p.manifest.descriptor.digest,
            packages: p.packages.length,
          })),
          ...(values['sbom-path'] ? { sboms: build.sboms.map((s) => s.name) } : {}),
          ...(signer ? { signed: r.signed, attested: r.attested } : {}),
        }),
      );
    } else {
      io.stdout.write([...new Set(r.pushed.map((p) => `${p.pushed}\n`))].join(''));
      if (signer) io.stderr.write(signingSummary(r));
    }
    return EXIT_OK;
  },
};
