import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import {
  type Keyring,
  keyNameForPrivateKey,
  type PackageInfo,
  parsePrivateKey,
  tryParseDependency,
} from '../../../apk/index.js';
import { fixedClock, isLupineError, LupineError, sourceDateEpochClock } from '../../../core/index.js';
import {
  acquireLock,
  loadKeyring,
  mergeIndexes,
  readApkIndexArchive,
  writeApkIndexArchive,
} from '../../../repo/index.js';
import { commandHelp, parse } from '../../args.js';
import type { Command } from '../../command.js';
import type { CliIo } from '../../io.js';
import { EXIT_ERROR, EXIT_OK, renderError } from '../../render.js';
import { readInput, writeAtomically } from '../apk/files.js';
import { openRegularFile, readHeadOf } from './package-file.js';

const HELP = `Usage: lupine index -o OUT [options] APK...

Builds a repository index (APKINDEX.tar.gz) from packages, laid out as apk-tools 2.14's
'apk index' writes it: a tar with DESCRIPTION (when given) then APKINDEX, records sorted by
name then version, each with the package's identity (C:) and file size (S:). With a signing
key the index gets a .SIGN.RSA256.<key name> signature member. OUT is replaced atomically;
nothing is written when a package cannot be read.

As apk index does, only each package's signature and control members are read (the data is not
inflated), and a package must be signed by a trusted key unless --allow-untrusted is given.
The tar entries' mtime is SOURCE_DATE_EPOCH when set, else 0. Concurrent runs on the same
directory take turns (a lock file .APKINDEX.lock beside OUT).
`;

const HELP_AFTER = `Examples:
  lupine index -o repo/x86_64/APKINDEX.tar.gz --signing-key me.rsa repo/x86_64/*.apk
  lupine index -o APKINDEX.tar.gz --merge -d "$(git describe)" new-1.0-r0.apk
`;

const OPTIONS = {
  output: { type: 'string', short: 'o', arg: 'FILE', help: 'where to write the index (required)' },
  description: {
    type: 'string',
    short: 'd',
    arg: 'TEXT',
    help: "the DESCRIPTION entry, e.g. 'v3.17.3-216-g54a39ace82a' (at most\n160 bytes are read back by apk)",
  },
  'signing-key': {
    type: 'string',
    arg: 'KEY',
    help: 'RSA private key (PEM) to sign with; the signature names the public\nkey file KEY.pub (lupine keygen writes both)',
  },
  merge: {
    type: 'boolean',
    help: "keep OUT's existing entries that the given packages do not replace\n(same name and version); OUT must be signed by a trusted key\n(--keys-dir) unless --allow-untrusted is given",
  },
  'replace-duplicates': {
    type: 'boolean',
    help: 'when two given packages have the same name and version but differ\n(another checksum), keep the later one; without it that is an\nerror naming both files and nothing is written',
  },
  'rewrite-arch': {
    type: 'string',
    arg: 'ARCH',
    help: "write ARCH as the A: of every given package (Alpine indexes noarch\npackages under the repository's arch this way)",
  },
  'no-warnings': { type: 'boolean', help: 'do not list dependencies that no package in the index provides' },
  'keys-dir': {
    type: 'string',
    multiple: true,
    arg: 'DIR',
    help: "trusted public keys for the packages' signatures: a directory of\n*.rsa.pub files, or one key file; repeatable; default /etc/apk/keys",
  },
  'allow-untrusted': { type: 'boolean', help: 'index packages that are unsigned or signed by an unknown key' },
  json: { type: 'boolean', help: 'print the result as one JSON object' },
} as const;

/** Reads one package's head (signature and control members only), its signature checked when keys are given. */
async function packageEntry(path: string, name: string, keys: Keyring | undefined): Promise<PackageInfo> {
  const { fh, size } = await openRegularFile(path, name);
  try {
    return { ...(await readHeadOf(fh, size, name, keys)).info };
  } finally {
    await fh.close();
  }
}

/** Names that some package depends on (not `!conflicts`) and that no package provides, sorted. */
function unprovided(pkgs: readonly PackageInfo[]): string[] {
  const provided = new Set<string>();
  for (const p of pkgs) {
    provided.add(p.name);
    for (const t of p.provides) provided.add(tryParseDependency(t)?.name ?? t);
  }
  const missing = new Set<string>();
  for (const p of pkgs) {
    for (const t of p.depends) {
      const d = tryParseDependency(t);
      if (d && !d.conflict && !provided.has(d.name)) missing.add(d.name);
    }
  }
  return [...missing].sort();
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The entries of the index being merged into. They are kept and re-signed, so the index must be
 * signed by a trusted key (as a package must) unless `keys` is undefined (--allow-untrusted).
 */
async function existingEntries(path: string, keys: Keyring | undefined): Promise<PackageInfo[]> {
  let bytes: Buffer;
  try {
    bytes = await readInput(path);
  } catch (err) {
    if (isLupineError(err, 'IO_ERROR') && (err.cause as NodeJS.ErrnoException | undefined)?.code === 'ENOENT')
      return [];
    throw err;
  }
  if (keys === undefined) return readApkIndexArchive(bytes, { allowUntrusted: true, source: path }).packages;
  try {
    return readApkIndexArchive(bytes, { keys, source: path }).packages;
  } catch (err) {
    if (!isLupineError(err, 'INDEX_UNTRUSTED')) throw err;
    const names = (err.details?.keyNames as string[] | undefined) ?? [];
    const hint =
      "the index being merged into is re-signed with its entries kept: add its signer's public key with --keys-dir, or pass --allow-untrusted to keep them unverified";
    throw names.length
      ? new LupineError(
          'APK_UNTRUSTED',
          `${path}: the existing index is signed by ${names.join(', ')}, none of which is a trusted key`,
          {
            cause: err,
            details: { path, keyNames: names },
            hint,
          },
        )
      : new LupineError('APK_NO_SIGNATURE', `${path}: the existing index is not signed`, {
          cause: err,
          details: { path },
          hint,
        });
  }
}

/** The index entries of the given .apk files; one that cannot be read is reported and counted. */
async function readPackages(
  positionals: readonly string[],
  keys: Parameters<typeof packageEntry>[2],
  io: CliIo,
  o: { readonly rewriteArch: string | undefined; readonly replaceDuplicates: boolean },
): Promise<{ added: PackageInfo[]; errors: number }> {
  const added: PackageInfo[] = [];
  const fromFile = new Map<string, { file: string; identity: string }>();
  let errors = 0;
  for (const arg of positionals) {
    try {
      const info = await packageEntry(resolve(io.cwd, arg), arg, keys);
      if (o.rewriteArch !== undefined) info.arch = o.rewriteArch;
      const key = `${info.name}-${info.version}`;
      const seen = fromFile.get(key);
      if (seen !== undefined && seen.identity !== info.identity && !o.replaceDuplicates) {
        throw new LupineError(
          'INDEX_DUPLICATE',
          `${seen.file} and ${arg} are both ${key} but differ (${seen.identity} and ${info.identity})`,
          {
            details: { name: info.name, version: info.version, files: [seen.file, arg] },
            hint: 'give only one build of each version, or pass --replace-duplicates to keep the later one',
          },
        );
      }
      fromFile.set(key, { file: arg, identity: info.identity });
      added.push(info);
    } catch (err) {
      if (!isLupineError(err)) throw err;
      io.stderr.write(renderError(err));
      errors++;
    }
  }
  return { added, errors };
}

async function run(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(argv, OPTIONS, 'index');
  if (values.output === undefined) {
    throw new LupineError('USAGE', 'index: -o OUT is required', { hint: "see 'lupine index --help'" });
  }
  if (positionals.length === 0) {
    throw new LupineError('USAGE', 'index: expected one or more .apk files', { hint: "see 'lupine index --help'" });
  }
  const out = resolve(io.cwd, values.output);
  const signing = values['signing-key'];
  const key = signing === undefined ? undefined : parsePrivateKey(await readInput(resolve(io.cwd, signing)), signing);
  const keyName = signing === undefined ? undefined : keyNameForPrivateKey(signing);

  const mtime = sourceDateEpochClock(io.env, fixedClock(0)).now();
  const keys = values['allow-untrusted']
    ? undefined
    : await loadKeyring((values['keys-dir'] ?? ['/etc/apk/keys']).map((d) => resolve(io.cwd, d)));

  const { added, errors } = await readPackages(positionals, keys, io, {
    rewriteArch: values['rewrite-arch'],
    replaceDuplicates: values['replace-duplicates'] === true,
  });
  if (errors) {
    io.stderr.write(
      `lupine: index: ${errors} of ${positionals.length} packages could not be read; ${values.output} was not written\n`,
    );
    return EXIT_ERROR;
  }

  await mkdir(dirname(out), { recursive: true }).catch(() => undefined);
  // Merges running side by side (and pkg build publishing into the same directory) take turns:
  // each reads OUT and replaces it while holding the lock, so no writer drops another's entries.
  const lock = await acquireLock(join(dirname(out), '.APKINDEX.lock'), {
    owner: { pid: process.pid, isAlive },
    staleMs: 120_000,
    logger: { info() {}, debug() {}, warn: (m) => io.stderr.write(`lupine: index: ${m}\n`) },
  });
  let packages: PackageInfo[];
  let bytes: Buffer;
  try {
    packages = values.merge ? mergeIndexes(await existingEntries(out, keys), added) : mergeIndexes(added);
    bytes = writeApkIndexArchive(packages, {
      mtime,
      ...(values.description === undefined ? {} : { description: values.description }),
      ...(key === undefined || keyName === undefined ? {} : { signingKey: key, keyName }),
    });
    await writeAtomically(out, bytes);
  } finally {
    await lock.release();
  }

  const missing = values['no-warnings'] ? [] : unprovided(packages);
  if (missing.length) {
    io.stderr.write(`WARNING: No provider for the dependencies:\n${missing.map((n) => `  ${n}\n`).join('')}`);
    io.stderr.write(
      `WARNING: Total of ${missing.length} unsatisfiable package names. Your repository may be broken.\n`,
    );
  }
  if (values.json) {
    const result = {
      output: values.output,
      packages: packages.length,
      new: added.length,
      bytes: bytes.length,
      signedBy: keyName ?? null,
      unprovided: missing,
    };
    io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } else {
    io.stdout.write(
      `${values.output}: ${packages.length} packages (of which ${added.length} are new), ${bytes.length} bytes, ${keyName ? `signed by ${keyName}` : 'unsigned'}\n`,
    );
  }
  return EXIT_OK;
}

export const indexCommand: Command = {
  path: ['index'],
  summary: 'build a repository index (APKINDEX.tar.gz) from .apk files',
  help: commandHelp(HELP, OPTIONS, HELP_AFTER),
  options: OPTIONS,
  run,
};
