import { resolve } from 'node:path';
import { LupineError, statInput } from '../../../core/index.js';
import { commandHelp, parse, requireCount } from '../../args.js';
import type { Command } from '../../command.js';
import { EXIT_OK } from '../../render.js';
import { pushedJson, pushLayoutToRefs } from './registry.js';

const HELP = `Usage: lupine image push OCI_DIR REF... [--insecure] [--json]

Pushes an OCI image layout (as 'lupine image build' writes it) to each REF: every layer and
config blob the registry lacks, each platform manifest by digest, then the index under REF's tag.
Prints what each REF now points at as registry/repository@sha256:….

REF is [registry/]repository[:tag], or a URL (http://user:pass@host:port/repo:tag).
Credentials come from HTTP_AUTH (basic:host:user:pass) and docker's config.json ($DOCKER_CONFIG).
Plain HTTP is used only for registries on this machine, unless --insecure.
`;

const options = {
  insecure: { type: 'boolean', help: 'allow plain HTTP to a registry that is not on this machine' },
  json: { type: 'boolean', help: 'print details (digests, blobs uploaded or already there) as JSON' },
} as const;

export const imagePushCommand: Command = {
  path: ['image', 'push'],
  summary: 'push an OCI image layout to a registry',
  help: commandHelp(HELP, options),
  options: options,
  async run(argv, io) {
    const { values, positionals } = parse(argv, options, 'image push');
    requireCount(positionals, 2, Number.MAX_SAFE_INTEGER, 'image push', 'OCI_DIR and at least one REF');
    const dir = resolve(io.cwd, positionals[0] as string);
    if (!(await statInput(dir, 'OCI layout')).isDirectory()) {
      throw new LupineError('OCI_LAYOUT_INVALID', `${positionals[0]} is not an OCI layout directory`, {
        details: { path: dir },
        hint: "give the directory 'lupine image build CONFIG TAG DIR' wrote",
      });
    }
    const pushed = await pushLayoutToRefs(dir, positionals.slice(1), io, values.insecure === true);
    io.stdout.write(values.json ? pushedJson(pushed) : [...new Set(pushed.map((p) => `${p.pushed}\n`))].join(''));
    return EXIT_OK;
  },
};
