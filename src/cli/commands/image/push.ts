import { resolve } from 'node:path';
import { LupineError, statInput } from '../../../core/index.js';
import {
  clientOptionsForUrl,
  envCredentials,
  formatReference,
  type PushResult,
  parseRegistryUrl,
  pushLayout,
  type Reference,
  RegistryClient,
} from '../../../oci/index.js';
import { parse, requireCount } from '../../args.js';
import type { Command } from '../../command.js';
import type { CliIo } from '../../io.js';
import { EXIT_OK } from '../../render.js';

export interface PushedRef {
  /** The reference as given. */
  readonly ref: string;
  /** `registry/repository@sha256:…` of what the tag now points at. */
  readonly pushed: string;
  readonly result: PushResult;
}

/**
 * Pushes an OCI layout to every reference (credentials from HTTP_AUTH and docker config.json in
 * `io.env`; plain HTTP only for loopback registries or with `insecure`). Blobs already pushed for an
 * earlier reference are found by the registry's existence check and not sent again.
 */
export async function pushLayoutToRefs(
  layoutDir: string,
  refs: readonly string[],
  io: CliIo,
  insecure: boolean,
): Promise<PushedRef[]> {
  const credentials = envCredentials(io.env);
  const targets = refs.map((r) => {
    const url = parseRegistryUrl(r);
    return { text: url.shown, url, ref: url.reference };
  });
  const out: PushedRef[] = [];
  for (const t of targets) {
    const client = new RegistryClient(clientOptionsForUrl(t.url, { credentials, insecure, env: io.env }));
    try {
      const result = await pushLayout(client, layoutDir, t.ref);
      const at: Reference = { registry: t.ref.registry, repository: t.ref.repository, digest: result.digest };
      out.push({ ref: t.text, pushed: formatReference(at), result });
    } finally {
      client.close();
    }
  }
  return out;
}

/** The `--json` form of what was pushed. */
export function pushedJson(pushed: readonly PushedRef[], extra: Record<string, unknown> = {}): string {
  return `${JSON.stringify(
    {
      ...extra,
      pushed: pushed.map((p) => ({
        ref: p.ref,
        digest: p.result.digest,
        reference: p.pushed,
        mediaType: p.result.mediaType,
        manifests: p.result.manifests,
        blobs: p.result.blobs,
      })),
    },
    null,
    2,
  )}\n`;
}

const HELP = `Usage: lupine image push OCI_DIR REF... [--insecure] [--json]

Pushes an OCI image layout (as 'lupine image build' writes it) to each REF: every layer and
config blob the registry lacks, each platform manifest by digest, then the index under REF's tag.
Prints what each REF now points at as registry/repository@sha256:….

REF is [registry/]repository[:tag], or a URL (http://user:pass@host:port/repo:tag).
Credentials come from HTTP_AUTH (basic:host:user:pass) and docker's config.json ($DOCKER_CONFIG).
Plain HTTP is used only for registries on this machine, unless --insecure.

Options:
  --insecure   allow plain HTTP to a registry that is not on this machine
  --json       print details (digests, blobs uploaded or already there) as JSON
  -h, --help   show this help
`;

const options = { insecure: { type: 'boolean' }, json: { type: 'boolean' } } as const;

export const imagePushCommand: Command = {
  path: ['image', 'push'],
  summary: 'push an OCI image layout to a registry',
  help: HELP,
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
