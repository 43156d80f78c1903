import { rm, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { LupineError } from '../../../core/index.js';
import { type BuildRecipeResult, buildRecipe, type RunnerKind } from '../../../pkg/index.js';
import { commandHelp, parse, requireCount } from '../../args.js';
import type { Command } from '../../command.js';
import type { CliIo } from '../../io.js';
import { EXIT_OK } from '../../render.js';
import { setOnly, setPaths } from '../common/set-only.js';
import { GUEST_OPTIONS, guestInputs, JSON_OPTION, parseArchs } from './common.js';

const HELP = `Usage: lupine pkg build [CONFIG] [options]

Builds a melange recipe (default: melange.yaml) into signed .apk packages, as melange does:
the recipe compiled for the architecture; a build guest resolved from environment.contents
(plus -r, -k and --package-append) and assembled from the expanded-package cache; every
pipeline step run in a bubblewrap sandbox (the guest as /, the workspace at /home/build, the
cache at /var/cache/melange, new namespaces, a cleared environment, the build user uid 1000);
then for the package and each subpackage: SCA (so:, cmd:, pc: … depends and provides), the
linters, setcap, scriptlets, an SPDX SBOM, .PKGINFO and the resolved config as .melange.yaml;
the packages go to OUT-DIR/ARCH/NAME-VERSION-rEPOCH.apk and OUT-DIR/ARCH/APKINDEX.tar.gz is
merged and signed. Nothing is written when a step or a required linter fails.

--runner host is for bootstrapping only: the steps see this machine's own root read-only (its
compilers and libraries) instead of a guest. It is unhermetic and says so on every step.
Its steps run as the build user inside a user namespace that maps to YOU (often root) outside:
they can read every host file you can, except /root, /var/lib, /etc/shadow, /etc/gshadow,
/etc/ssh, /etc/ssl/private and the signing key's directory, which are hidden behind empty
mounts. Run it only on recipes you trust, ideally as an unprivileged user.
`;

const options = {
  ...GUEST_OPTIONS,
  'signing-key': { type: 'string', arg: 'FILE', help: 'RSA private key for the packages and the index (RSA256)' },
  'package-append': {
    type: 'string',
    multiple: true,
    arg: 'PKG',
    help: 'extra package for the build guest (repeatable)',
  },
  namespace: { type: 'string', arg: 'NAME', help: 'purl namespace and .PKGINFO maintainer (default unknown)' },
  'build-date': {
    type: 'string',
    arg: 'DATE',
    help: 'RFC 3339 date or Unix seconds (default SOURCE_DATE_EPOCH, else 0)',
  },
  'git-commit': {
    type: 'string',
    arg: 'SHA',
    help: "commit recorded in .PKGINFO and the SBOM (default: the recipe's\npackage.commit, else its directory's git HEAD when clean)",
  },
  'git-repo-url': { type: 'string', arg: 'URL', help: 'recipe repository recorded in the SBOM' },
  'log-file': { type: 'string', arg: 'FILE', help: 'build log (default OUT-DIR/logs/ARCH/NAME-VERSION-rEPOCH.log)' },
  'generate-provenance': {
    type: 'boolean',
    help: 'also write SLSA provenance v1 (an in-toto statement) for each\npackage: OUT-DIR/ARCH/NAME-VERSION-rEPOCH.attest.tar.gz, as melange\ndoes, signed like the package when --signing-key is given',
  },
  'max-output-file-size': {
    type: 'string',
    arg: 'N',
    help: 'refuse (LIMIT_EXCEEDED) an output file larger than N bytes\n(default 1073741824, 1 GiB; each file is held in memory while packed)',
  },
  ...JSON_OPTION,
} as const;

/** --max-output-file-size: a positive whole number of bytes. */
function maxOutputFileBytes(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(n) || n <= 0) {
    throw new LupineError(
      'USAGE',
      `pkg build: --max-output-file-size must be a positive number of bytes, got '${raw}'`,
    );
  }
  return n;
}

function sourceDateEpoch(io: CliIo): number | undefined {
  const raw = io.env.SOURCE_DATE_EPOCH;
  if (raw === undefined || raw === '') return undefined;
  if (!/^\d+$/.test(raw)) {
    throw new LupineError('USAGE', `SOURCE_DATE_EPOCH must be a whole number of seconds, got '${raw}'`);
  }
  return Number(raw);
}

export const pkgBuildCommand: Command = {
  path: ['pkg', 'build'],
  summary: 'build a melange recipe into signed .apk packages in a bubblewrap sandbox',
  help: commandHelp(HELP, options),
  options: options,
  async run(argv, io) {
    const { values: v, positionals } = parse(argv, options, 'pkg build');
    requireCount(positionals, 0, 1, 'pkg build', 'at most one CONFIG file');
    const runner = (v.runner ?? 'bubblewrap') as RunnerKind;
    if (runner !== 'bubblewrap' && runner !== 'host') {
      throw new LupineError('USAGE', `pkg build: unknown runner '${v.runner}'`, {
        hint: 'use --runner bubblewrap (hermetic) or --runner host (bootstrapping only)',
      });
    }
    const at = (p: string) => resolve(io.cwd, p);
    const file = at(positionals[0] ?? 'melange.yaml');
    const sde = sourceDateEpoch(io);
    const guest = guestInputs(v, io);
    const maxFile = maxOutputFileBytes(v['max-output-file-size']);
    const results: Array<{ arch: string; result: BuildRecipeResult }> = [];
    // An --out-dir this run creates is removed again when the build fails (no partial output).
    const newOutDir = await stat(guest.outDir).then(
      () => undefined,
      () => guest.outDir,
    );
    try {
      await buildEachArch();
    } catch (err) {
      if (newOutDir) await rm(newOutDir, { recursive: true, force: true }).catch(() => undefined);
      throw err;
    }
    async function buildEachArch(): Promise<void> {
      for (const arch of parseArchs(v.arch, 'pkg build')) {
        const result = await buildRecipe(file, {
          ...guest,
          arch,
          runner,
          packageAppend: v['package-append'] ?? [],
          ...setPaths(io.cwd, { signingKey: v['signing-key'], logFile: v['log-file'] }),
          ...setOnly({
            maxOutputFileBytes: maxFile,
            namespace: v.namespace,
            buildDate: v['build-date'],
            sourceDateEpoch: sde,
            gitCommit: v['git-commit'],
            gitRepoUrl: v['git-repo-url'],
            generateProvenance: v['generate-provenance'] ? true : undefined,
          }),
        });
        results.push({ arch, result });
      }
    }
    if (v.json) {
      const summary = results.map(({ arch, result }) => ({
        arch,
        ...setOnly({ skipped: result.skipped }),
        packages: result.packages.map((p) => ({
          name: p.name,
          version: p.version,
          identity: p.identity,
          path: p.path,
          size: p.size,
          depends: p.depends,
          provides: p.provides,
          ...setOnly({ provenance: p.provenancePath }),
        })),
        guest: result.guest,
        ...setOnly({ log: result.logPath }),
      }));
      io.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    } else {
      for (const { result } of results) for (const p of result.packages) io.stdout.write(`${p.path}\n`);
    }
    return EXIT_OK;
  },
};
