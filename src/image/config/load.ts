/**
 * The I/O edge: reads a config file and its includes, then merges and resolves them with the pure
 * functions beside it.
 *
 * Include resolution. apko resolves `include` relative to its working directory (then each
 * `--include-paths` entry), which is why its examples write `include: examples/alpine-base.yaml`:
 * they are built from the repository root. lupine looks for the name, in order, in the including
 * file's directory and then in each parent directory up to the filesystem root — which finds the
 * same file when the config lives anywhere inside that repository — and then in each of
 * `includePaths`. An absolute name is used as is. The first file that exists wins.
 */
import { readFile as fsReadFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import {
  asInputRead,
  checkLimit,
  type Diagnostic,
  DiagnosticSink,
  type SourcePos,
  sortDiagnostics,
} from '../../core/index.js';
import { mergeImageConfig } from './merge.js';
import { parseImageConfig } from './parse.js';
import { resolveImageConfig } from './resolve.js';
import type { ImageConfig, ResolvedImageConfig } from './types.js';

export type ReadFile = (path: string) => Promise<Uint8Array | string>;

export interface LoadImageConfigOptions {
  readonly lenient?: boolean;
  /** Defaults to node:fs readFile. A missing file must reject as node:fs does (code ENOENT or ENOTDIR, with its syscall). */
  readonly readFile?: ReadFile;
  /** Extra directories to look for includes in (apko's `--include-paths`). */
  readonly includePaths?: readonly string[];
}

export interface ConfigSourceFile {
  readonly path: string;
  readonly bytes: Uint8Array;
}

export interface LoadedImageConfig {
  /** The merged and resolved config; undefined when any diagnostic is an error. */
  readonly config: ResolvedImageConfig | undefined;
  /** The merged config before defaults (undefined when a file could not be parsed at all). */
  readonly merged: ImageConfig | undefined;
  /** Every warning and error of every file, sorted by file and position. */
  readonly diagnostics: readonly Diagnostic[];
  /** The config, then each include, as read (apko's lock checksum hashes these bytes in this order). */
  readonly files: readonly ConfigSourceFile[];
}

const MAX_INCLUDE_DEPTH = 16;
/** Larger than any image config; bounds what a hostile path can make us parse. */
const MAX_CONFIG_BYTES = 16 * 1024 * 1024;

/** The places `include: name` is looked for from `includingFile`, in order. */
export function includeCandidates(includingFile: string, name: string, includePaths: readonly string[] = []): string[] {
  if (isAbsolute(name)) return [name];
  const out: string[] = [];
  let dir = dirname(includingFile);
  for (let i = 0; i < 64; i++) {
    out.push(join(dir, name));
    const up = dirname(dir);
    if (up === dir || resolve(up) === resolve(dir)) break;
    dir = up;
  }
  for (const p of includePaths) out.push(join(p, name));
  return [...new Set(out)];
}

const missing = (err: unknown) => {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR';
};

const toBytes = (data: Uint8Array | string, path: string) => {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  checkLimit(`image config ${path}`, bytes.length, MAX_CONFIG_BYTES);
  return bytes;
};

export async function loadImageConfig(path: string, options: LoadImageConfigOptions = {}): Promise<LoadedImageConfig> {
  const readFile: ReadFile = options.readFile ?? ((p) => fsReadFile(p));
  const diagnostics: Diagnostic[] = [];
  const files: ConfigSourceFile[] = [];

  const loadFile = async (
    file: string,
    bytes: Uint8Array,
    stack: readonly string[],
  ): Promise<ImageConfig | undefined> => {
    files.push({ path: file, bytes });
    const text = new TextDecoder().decode(bytes).replace(/^\uFEFF/, '');
    const parsed = parseImageConfig(text, { file, lenient: options.lenient ?? false });
    diagnostics.push(...parsed.diagnostics);
    const config = parsed.config;
    if (!config || config.include === undefined) return config;
    const at: SourcePos = parsed.includeAt ?? { line: 1, col: 1 };
    const sink = new DiagnosticSink(file);
    const found = await findInclude(file, config.include, at, sink, stack);
    diagnostics.push(...sink.diagnostics);
    if (!found) return config;
    const base = await loadFile(found.path, found.bytes, [...stack, resolve(found.path)]);
    return base ? mergeImageConfig(base, config) : config;
  };

  const findInclude = async (
    file: string,
    name: string,
    at: SourcePos,
    sink: DiagnosticSink,
    stack: readonly string[],
  ): Promise<ConfigSourceFile | undefined> => {
    if (stack.length > MAX_INCLUDE_DEPTH) {
      sink.error('IMAGE_CONFIG_INCLUDE', at, `include: more than ${MAX_INCLUDE_DEPTH} nested includes`);
      return undefined;
    }
    const candidates = includeCandidates(file, name, options.includePaths);
    for (const candidate of candidates) {
      let data: Uint8Array | string;
      try {
        data = await readFile(candidate);
      } catch (err) {
        if (missing(err)) continue;
        sink.error('IMAGE_CONFIG_INCLUDE', at, `include: cannot read ${candidate}: ${(err as Error).message}`);
        return undefined;
      }
      if (stack.includes(resolve(candidate))) {
        sink.error('IMAGE_CONFIG_INCLUDE', at, `include: ${candidate} includes itself (cycle)`, 'remove the include');
        return undefined;
      }
      return { path: candidate, bytes: toBytes(data, candidate) };
    }
    sink.error(
      'IMAGE_CONFIG_INCLUDE',
      at,
      `include: '${name}' not found`,
      `looked in ${dirname(file)} and its parent directories${options.includePaths?.length ? ' and the include paths' : ''}`,
    );
    return undefined;
  };

  const bytes = toBytes(await asInputRead(path, 'image config', () => readFile(path)), path);
  const merged = await loadFile(path, bytes, [resolve(path)]);
  const sorted = sortDiagnostics(diagnostics);
  const failed = sorted.some((d) => d.severity === 'error');
  return {
    config: merged && !failed ? resolveImageConfig(merged) : undefined,
    merged,
    diagnostics: sorted,
    files,
  };
}
