import { join, resolve } from 'node:path';
import { selectArch } from '../../../apk/index.js';
import { fillSourceStore, systemApt } from '../../../pkg/index.js';
import { commandHelp, parse, requireCount } from '../../args.js';
import type { Command } from '../../command.js';
import { EXIT_OK } from '../../render.js';
import { compileTree } from './common.js';

const HELP = `Usage: lupine distro fetch [DIR] [--cache-dir DIR] [--only NAME,...] [--no-network]

Fills the source store (CACHE-DIR/sources/sha256/<hex>, git/<commit>.bundle) with every source the
recipe tree DIR (default: distro) names in its fetch and git-checkout steps, so that
\`lupine distro build\` needs no network. A recipe naming its Debian source package
(vars.debian-source: PKG=VERSION) gets Debian's *.orig.tar.* through apt, with the machine's own
deb-src entries (./setup.sh enables them); its sha256 must equal the recipe's expected-sha256, or
nothing is stored and the error names both. Other sources are downloaded from their URI.
A source already in the store is checked, not downloaded again.
`;

const options = {
  'cache-dir': { type: 'string', arg: 'DIR', help: 'the cache lupine distro build uses (default: out/cache)' },
  sources: { type: 'string', arg: 'DIR', help: 'the source store itself (default: CACHE-DIR/sources)' },
  only: { type: 'string', multiple: true, arg: 'NAMES', help: 'only these recipes (comma-separated, repeatable)' },
  'no-network': { type: 'boolean', help: "ask only apt (Debian's archive); download no other URI" },
  arch: { type: 'string', arg: 'ARCH', help: "compile the recipes for ARCH (default: this machine's)" },
} as const;

const ORIG_NOTE = {
  repack: "Debian's repack, pinned as Debian's file",
  signed: "upstream's release, its signature beside it",
  orig: "Debian's orig, not repacked",
  native: "a Debian native package: Debian's own release",
  packaging: "Debian's packaging: the patches Debian applies",
} as const;

export const distroFetchCommand: Command = {
  path: ['distro', 'fetch'],
  summary: "fill the source store with a recipe tree's sources (Debian's archive through apt)",
  help: commandHelp(HELP, options),
  options: options,
  async run(argv, io) {
    const { values, positionals } = parse(argv, options, 'distro fetch');
    requireCount(positionals, 0, 1, 'distro fetch', 'at most one DIR');
    const at = (p: string) => resolve(io.cwd, p);
    const storeDir =
      values.sources !== undefined
        ? at(values.sources)
        : join(at(values['cache-dir'] ?? join('out', 'cache')), 'sources');
    const only = (values.only ?? []).flatMap((v) => v.split(',')).filter((v) => v !== '');
    const warn = (l: string) => io.stderr.write(`${l}\n`);
    const recipes = await compileTree(
      at(positionals[0] ?? 'distro'),
      selectArch({ requested: values.arch, otherwise: 'host', command: 'distro fetch' }),
      only,
      warn,
    );
    const apt = systemApt(io.env.APT_CONFIG ? { aptConfig: io.env.APT_CONFIG } : {});
    const counts = { stored: 0, debian: 0, downloaded: 0, git: 0 };
    for (const recipe of recipes) {
      const filled = await fillSourceStore(recipe, {
        storeDir,
        apt,
        network: !(values['no-network'] ?? false),
        logger: { info: (l) => io.stderr.write(`${l}\n`), warn, debug: () => {} },
      });
      for (const f of filled) {
        counts[f.how]++;
        const note = f.debianOrig ? ` (${ORIG_NOTE[f.debianOrig]})` : '';
        io.stdout.write(`${f.recipe}: ${f.how}${note}: ${f.what}\n`);
      }
    }
    io.stdout.write(
      `lupine distro fetch: ${counts.stored} already stored, ${counts.debian} from Debian's archive, ${counts.downloaded} downloaded, ${counts.git} git; store ${storeDir}\n`,
    );
    return EXIT_OK;
  },
};
