/**
 * The I/O edge of the recipe layer: reads the recipe, --vars-file and --env-file, and the
 * pipeline files its `uses` name (transitively), searching each --pipeline-dir in order and then
 * lupine's built-in `pipelines/`. Everything else is the pure functions beside it.
 */
import { readFile as fsReadFile, readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import {
  checkLimit,
  type Diagnostic,
  isObj,
  isStr,
  LupineError,
  list,
  obj,
  sortDiagnostics,
} from '../../core/index.js';
import { type CompileResult, compileRecipe } from './compile.js';
import { parseDotenv } from './dotenv.js';
import { parsePipelineFile, parseRecipe } from './parse.js';
import { type PreparedRecipe, prepareRecipe } from './prepare.js';
import type { PipelineFile, RecipeSource } from './types.js';

export type ReadText = (path: string) => Promise<string>;

/** lupine's own pipelines: `<package root>/pipelines` (this file is dist/src/pkg/config/load.js). */
export const BUILTIN_PIPELINE_DIR = fileURLToPath(new URL('../../../../pipelines/', import.meta.url));

export interface LoadRecipeOptions {
  readonly lenient?: boolean;
  /** --pipeline-dir, searched in order before the built-ins. */
  readonly pipelineDirs?: readonly string[];
  /** Defaults to BUILTIN_PIPELINE_DIR. */
  readonly builtinPipelineDir?: string;
  readonly varsFile?: string;
  readonly envFile?: string;
  readonly buildOptions?: readonly string[];
  readonly readFile?: ReadText;
  /** Lists the files under a directory (relative paths); defaults to a recursive node:fs readdir. */
  readonly listFiles?: (dir: string) => Promise<readonly string[]>;
}

export interface LoadedRecipe {
  readonly file: string;
  readonly text: string;
  /** Undefined when the recipe is not even YAML. */
  readonly prepared: PreparedRecipe | undefined;
  readonly library: ReadonlyMap<string, PipelineFile>;
  readonly searched: readonly string[];
  readonly envFile: Readonly<Record<string, string>>;
  /** The text of the recipe and of each pipeline file, by file name. */
  readonly texts: ReadonlyMap<string, string>;
  /** Every pipeline name that exists (listed only when a `uses` was not found), for did-you-mean. */
  readonly available: readonly string[];
  /** Parse-time diagnostics of the recipe and every pipeline file. */
  readonly diagnostics: readonly Diagnostic[];
}

const MAX_BYTES = 8 * 1024 * 1024;

const missing = (err: unknown) => {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR';
};

async function readRequired(read: ReadText, path: string, what: string): Promise<string> {
  try {
    const text = await read(path);
    checkLimit(`${what} ${path}`, text.length, MAX_BYTES);
    return text.replace(/^\uFEFF/, '');
  } catch (err) {
    if (err instanceof LupineError) throw err;
    throw new LupineError('IO_ERROR', `cannot read ${what} ${path}: ${(err as Error).message}`, {
      cause: err,
      details: { path },
    });
  }
}

/** Every `uses` name in a list of steps (nested steps included). */
export function usesNames(steps: unknown, out: Set<string> = new Set()): Set<string> {
  for (const s of list(steps)) {
    if (!isObj(s)) continue;
    if (isStr(s.uses) && !s.uses.includes('${{')) out.add(s.uses);
    usesNames(s.pipeline, out);
  }
  return out;
}

function recipeUses(source: RecipeSource): Set<string> {
  const names = new Set<string>();
  usesNames(source.doc.pipeline, names);
  usesNames(obj(source.doc.test).pipeline, names);
  for (const sp of list(source.doc.subpackages)) {
    usesNames(obj(sp).pipeline, names);
    usesNames(obj(obj(sp).test).pipeline, names);
  }
  return names;
}

async function readVarsFile(read: ReadText, path: string): Promise<Record<string, string>> {
  const text = await readRequired(read, path, 'vars file');
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new LupineError('BUILD_CONFIG_SYNTAX', `vars file ${path} is not YAML: ${(err as Error).message}`, {
      details: { path },
    });
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(obj(doc))) {
    if (v === null || typeof v === 'object') {
      throw new LupineError('BUILD_CONFIG_TYPE', `vars file ${path}: '${k}' must be a string`, { details: { path } });
    }
    out[k] = String(v);
  }
  return out;
}

export async function loadRecipe(path: string, options: LoadRecipeOptions = {}): Promise<LoadedRecipe> {
  const read: ReadText = options.readFile ?? ((p) => fsReadFile(p, 'utf8'));
  const text = await readRequired(read, path, 'recipe');
  const vars = options.varsFile ? await readVarsFile(read, options.varsFile) : undefined;
  const envFile = options.envFile ? parseDotenv(await readRequired(read, options.envFile, 'env file')) : {};
  const parsed = parseRecipe(text, { file: path, lenient: options.lenient ?? false });
  const diagnostics: Diagnostic[] = [...parsed.diagnostics];
  const searched = [...(options.pipelineDirs ?? []), options.builtinPipelineDir ?? BUILTIN_PIPELINE_DIR];
  const library = new Map<string, PipelineFile>();
  const texts = new Map<string, string>([[path, text]]);
  if (!parsed.source) {
    return { file: path, text, prepared: undefined, library, searched, envFile, texts, available: [], diagnostics };
  }

  const prepared = prepareRecipe(parsed.source, {
    ...(vars ? { vars } : {}),
    ...(options.buildOptions ? { buildOptions: options.buildOptions } : {}),
  });
  diagnostics.push(...prepared.diagnostics);

  const queue = [...recipeUses(parsed.source)];
  const tried = new Set<string>();
  let notFound = false;
  while (queue.length > 0) {
    const name = queue.shift() as string;
    if (tried.has(name) || name.startsWith('/') || name.split('/').includes('..')) continue;
    tried.add(name);
    notFound = true;
    for (const dir of searched) {
      const file = join(dir, `${name}.yaml`);
      let body: string;
      try {
        body = await read(file);
      } catch (err) {
        if (missing(err)) continue;
        throw new LupineError('IO_ERROR', `cannot read pipeline ${file}: ${(err as Error).message}`, { cause: err });
      }
      checkLimit(`pipeline ${file}`, body.length, MAX_BYTES);
      texts.set(file, body.replace(/^\uFEFF/, ''));
      const pf = parsePipelineFile(body.replace(/^\uFEFF/, ''), name, file);
      diagnostics.push(...pf.diagnostics.filter((d) => d.severity === 'error'));
      if (pf.pipeline) {
        library.set(name, pf.pipeline);
        queue.push(...usesNames(pf.pipeline.doc.pipeline));
      }
      notFound = false;
      break;
    }
  }
  const available = notFound || tried.size > library.size ? await pipelineNames(searched, options.listFiles) : [];
  return {
    file: path,
    text,
    prepared,
    library,
    searched,
    envFile,
    texts,
    available,
    diagnostics: sortDiagnostics(diagnostics),
  };
}

async function listYaml(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath ?? e.path, e.name)));
}

/** The pipeline names (`a/b` for `a/b.yaml`) found in the search directories. */
async function pipelineNames(
  dirs: readonly string[],
  list: (dir: string) => Promise<readonly string[]> = listYaml,
): Promise<string[]> {
  const names = new Set<string>();
  for (const dir of dirs) {
    const files = await list(dir).catch(() => [] as readonly string[]);
    for (const f of files) if (f.endsWith('.yaml')) names.add(f.slice(0, -'.yaml'.length));
  }
  return [...names].sort();
}

/** Compiles a loaded recipe for one architecture; parse diagnostics come first. */
export function compileLoadedRecipe(loaded: LoadedRecipe, arch: string): CompileResult {
  if (!loaded.prepared) return { diagnostics: loaded.diagnostics };
  const r = compileRecipe(loaded.prepared, {
    arch,
    library: loaded.library,
    searched: loaded.searched,
    envFile: loaded.envFile,
    texts: loaded.texts,
    available: loaded.available,
  });
  const diagnostics = sortDiagnostics([...loaded.diagnostics, ...r.diagnostics]);
  return r.recipe
    ? { recipe: r.recipe, diagnostics }
    : r.skipped
      ? { skipped: r.skipped, diagnostics }
      : { diagnostics };
}
