import { resolve } from 'node:path';
import { testRecipe } from '../../build/index.js';
import { LupineError } from '../../core/index.js';
import { parse, requireCount } from '../args.js';
import type { Command } from '../command.js';
import { EXIT_OK } from '../render.js';
import { packageCacheDir, parseArchs, stderrLogger } from './pkg-build.js';

const HELP = `Usage: lupine pkg test [CONFIG] [options]

Runs the test: blocks of a melange recipe (default: melange.yaml) against its built packages:
each block (the main package's, then each subpackage's) in a fresh bubblewrap guest holding
only the package under test (pinned to the recipe's version), the test's environment and the
packages its steps need, resolved against OUT-DIR first and then the repositories. The exit
code is 0 when every step passed, and also when the recipe has no tests.

Options:
  --arch ARCH               apk architecture (default: this machine's); comma-separated for several
  --out-dir DIR             where the built packages are (default ./packages)
  -r, --repository-append R repository for the test guests (repeatable)
  -k, --keyring-append KEY  trusted public key, directory of keys or URL (repeatable)
  --test-package-append PKG extra package for every test guest (repeatable)
  --source-dir DIR          copied into the workspace (default: the recipe's directory)
  --pipeline-dir DIR        look for uses: pipelines here first (repeatable)
  --cache-dir DIR           mounted read-write at /var/cache/melange
  --package-cache-dir DIR   lupine's cache of fetched and expanded guest packages
  --workspace-dir DIR       use (and keep) this directory as /home/build
  --env-file FILE           KEY=value lines under the recipe's environment
  --vars-file FILE          YAML map of variables over the recipe's vars
  --build-option NAME       enable a build option of the recipe (repeatable)
  --no-network              cut the network for the steps
  --ignore-signatures       accept unsigned repository indexes
  --debug                   trace every step's commands (set -x)
  --json                    print a JSON summary on stdout
  -h, --help                show this help
`;

const options = {
  arch: { type: 'string' },
  runner: { type: 'string' },
  'out-dir': { type: 'string' },
  'repository-append': { type: 'string', short: 'r', multiple: true },
  'keyring-append': { type: 'string', short: 'k', multiple: true },
  'test-package-append': { type: 'string', multiple: true },
  'source-dir': { type: 'string' },
  'pipeline-dir': { type: 'string', multiple: true },
  'cache-dir': { type: 'string' },
  'package-cache-dir': { type: 'string' },
  'workspace-dir': { type: 'string' },
  'env-file': { type: 'string' },
  'vars-file': { type: 'string' },
  'build-option': { type: 'string', multiple: true },
  'no-network': { type: 'boolean' },
  'ignore-signatures': { type: 'boolean' },
  debug: { type: 'boolean' },
  json: { type: 'boolean' },
} as const;

export const pkgTestCommand: Command = {
  path: ['pkg', 'test'],
  summary: "run a melange recipe's test blocks against its built packages, each in a fresh guest",
  help: HELP,
  async run(argv, io) {
    const { values: v, positionals } = parse(argv, options, 'pkg test');
    requireCount(positionals, 0, 1, 'pkg test', 'at most one CONFIG file');
    if (v.runner !== undefined && v.runner !== 'bubblewrap') {
      throw new LupineError('USAGE', `pkg test: tests run with the bubblewrap runner only, not '${v.runner}'`);
    }
    const at = (p: string) => resolve(io.cwd, p);
    const repoArg = (r: string) => {
      const m = /^(@\S+\s+)?(.*)$/.exec(r) as RegExpExecArray;
      const url = m[2] as string;
      return /^[a-z][a-z0-9+.-]*:\/\//i.test(url) ? r : `${m[1] ?? ''}${at(url)}`;
    };
    const file = at(positionals[0] ?? 'melange.yaml');
    const logger = stderrLogger(io, v.debug === true);
    const summary = [];
    for (const arch of parseArchs(v.arch, 'pkg test')) {
      const r = await testRecipe(file, {
        arch,
        outDir: at(v['out-dir'] ?? 'packages'),
        repositories: (v['repository-append'] ?? []).map(repoArg),
        keys: (v['keyring-append'] ?? []).map((k) => (/^https?:\/\//i.test(k) ? k : at(k))),
        packageAppend: v['test-package-append'] ?? [],
        pipelineDirs: (v['pipeline-dir'] ?? []).map(at),
        buildOptions: v['build-option'] ?? [],
        packageCacheDir: packageCacheDir(io, v['package-cache-dir']),
        ...(v['source-dir'] ? { sourceDir: at(v['source-dir']) } : {}),
        ...(v['cache-dir'] ? { cacheDir: at(v['cache-dir']) } : {}),
        ...(v['workspace-dir'] ? { workspaceDir: at(v['workspace-dir']) } : {}),
        ...(v['env-file'] ? { envFile: at(v['env-file']) } : {}),
        ...(v['vars-file'] ? { varsFile: at(v['vars-file']) } : {}),
        ...(v['no-network'] ? { network: false } : {}),
        ...(v['ignore-signatures'] ? { allowUntrusted: true } : {}),
        ...(v.debug ? { debug: true } : {}),
        ...(io.signal ? { signal: io.signal } : {}),
        logger,
      });
      summary.push({ arch, ...(r.skipped !== undefined ? { skipped: r.skipped } : {}), tests: r.tests });
    }
    if (v.json) io.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    else
      for (const s of summary)
        for (const t of s.tests) io.stdout.write(`ok ${t.package} (${s.arch}): ${t.steps} steps\n`);
    return EXIT_OK;
  },
};
