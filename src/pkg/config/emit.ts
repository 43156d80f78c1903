/**
 * The compiled recipe as text (`lupine pkg compile`): melange's key names, every value
 * substituted, `uses` steps expanded with their inputs, each step's origin as file:line:col.
 * YAML by default, or JSON; the same document either way.
 */
import { relative } from 'node:path';
import { stringify } from 'yaml';
import type { CompiledPackage, CompiledRecipe, CompiledStep, CompiledTest, GuestEnvironment, Origin } from './types.js';

export interface EmitOptions {
  /** Origins are printed relative to this directory (default: absolute). */
  readonly baseDir?: string;
  /** The built-in pipeline directory, printed as `lupine:pipelines/…`. */
  readonly builtinDir?: string;
}

type Plain = Record<string, unknown>;

const nonEmpty = (key: string, v: unknown): Plain =>
  v === undefined ||
  (Array.isArray(v) && v.length === 0) ||
  (v && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0)
    ? {}
    : { [key]: v };

class Emitter {
  readonly #o: EmitOptions;

  constructor(options: EmitOptions) {
    this.#o = options;
  }

  origin(o: Origin): string {
    const b = this.#o.builtinDir;
    let file = o.file;
    if (b && file.startsWith(b)) file = `lupine:pipelines/${file.slice(b.length).replace(/^\/+/, '')}`;
    else if (this.#o.baseDir !== undefined) file = relative(this.#o.baseDir, file) || file;
    return `${file}:${o.line}:${o.col}`;
  }

  step(s: CompiledStep): Plain {
    return {
      ...nonEmpty('name', s.name),
      ...nonEmpty('uses', s.uses),
      ...nonEmpty('with', s.with),
      origin: this.origin(s.origin),
      'working-directory': s.workingDirectory,
      ...nonEmpty('environment', s.environment),
      ...nonEmpty('label', s.label),
      ...nonEmpty('runs', s.runs),
      ...(s.requiredSteps !== undefined ? { assertions: { 'required-steps': s.requiredSteps } } : {}),
      ...nonEmpty(
        'pipeline',
        s.pipeline?.map((c) => this.step(c)),
      ),
    };
  }

  guest(g: GuestEnvironment): Plain {
    return {
      contents: {
        ...nonEmpty('repositories', g.repositories),
        ...nonEmpty('keyring', g.keyring),
        packages: [...g.packages],
      },
      ...nonEmpty('environment', g.environment),
      ...nonEmpty('accounts', {
        ...nonEmpty('run-as', g.accounts.runAs),
        ...nonEmpty('users', g.accounts.users),
        ...nonEmpty('groups', g.accounts.groups),
      }),
    };
  }

  test(t: CompiledTest | undefined): Plain {
    return t ? { test: { environment: this.guest(t.environment), pipeline: t.pipeline.map((s) => this.step(s)) } } : {};
  }

  meta(p: CompiledPackage): Plain {
    const d = p.dependencies;
    const s = p.scriptlets;
    return {
      ...nonEmpty('description', p.description),
      ...nonEmpty('url', p.url),
      ...nonEmpty('commit', p.commit),
      ...nonEmpty('annotations', p.annotations),
      ...nonEmpty('dependencies', {
        ...nonEmpty('runtime', d.runtime),
        ...nonEmpty('provides', d.provides),
        ...nonEmpty('replaces', d.replaces),
        ...nonEmpty('provider-priority', d.providerPriority),
        ...nonEmpty('replaces-priority', d.replacesPriority),
      }),
      ...nonEmpty('options', {
        ...(p.options.noProvides ? { 'no-provides': true } : {}),
        ...(p.options.noDepends ? { 'no-depends': true } : {}),
        ...(p.options.noCommands ? { 'no-commands': true } : {}),
        ...(p.options.noVersionedShlibDeps ? { 'no-versioned-shlib-deps': true } : {}),
      }),
      ...nonEmpty('scriptlets', {
        ...nonEmpty('pre-install', s.preInstall),
        ...nonEmpty('post-install', s.postInstall),
        ...nonEmpty('pre-deinstall', s.preDeinstall),
        ...nonEmpty('post-deinstall', s.postDeinstall),
        ...nonEmpty('pre-upgrade', s.preUpgrade),
        ...nonEmpty('post-upgrade', s.postUpgrade),
        ...nonEmpty('trigger', s.trigger),
      }),
      ...nonEmpty('checks', { ...nonEmpty('enabled', p.checksEnabled), ...nonEmpty('disabled', p.checksDisabled) }),
      ...nonEmpty('setcap', p.setcap),
      'out-dir': p.outDir,
    };
  }

  recipe(r: CompiledRecipe): Plain {
    const [main, ...subs] = r.packages;
    if (!main) return {};
    return {
      arch: r.arch,
      package: {
        name: r.name,
        version: r.version,
        epoch: r.epoch,
        'full-version': r.fullVersion,
        ...this.meta(main),
        ...nonEmpty(
          'copyright',
          r.copyright.map((c) => ({
            license: c.license,
            paths: c.paths,
            ...nonEmpty('attestation', c.attestation),
            ...nonEmpty('license-path', c.licensePath),
            ...nonEmpty('detection-override', c.detectionOverride),
          })),
        ),
        ...nonEmpty('target-architecture', r.targetArchitecture),
        ...nonEmpty('cpe', r.cpe),
        ...nonEmpty('timeout', r.timeout),
        ...nonEmpty('resources', r.resources),
        ...nonEmpty('test-resources', r.testResources),
      },
      ...nonEmpty('capabilities', { ...nonEmpty('add', r.capabilities.add), ...nonEmpty('drop', r.capabilities.drop) }),
      environment: this.guest(r.environment),
      ...nonEmpty('vars', r.vars),
      ...nonEmpty('build-options', r.buildOptions),
      pipeline: main.pipeline.map((s) => this.step(s)),
      ...nonEmpty(
        'subpackages',
        subs.map((p) => ({
          name: p.name,
          ...this.meta(p),
          pipeline: p.pipeline.map((s) => this.step(s)),
          ...this.test(p.test),
        })),
      ),
      ...this.test(main.test),
      ...nonEmpty('update', r.update),
    };
  }
}

/** The compiled recipe in melange's vocabulary, as plain data. */
export function compiledToPlain(recipe: CompiledRecipe, options: EmitOptions = {}): Record<string, unknown> {
  return new Emitter(options).recipe(recipe);
}

export function compiledToYaml(recipe: CompiledRecipe, options: EmitOptions = {}): string {
  return stringify(compiledToPlain(recipe, options), { lineWidth: 0, aliasDuplicateObjects: false });
}

export function compiledToJson(recipe: CompiledRecipe, options: EmitOptions = {}): string {
  return `${JSON.stringify(compiledToPlain(recipe, options), null, 2)}\n`;
}
