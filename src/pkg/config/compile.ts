/**
 * A prepared recipe → the compiled recipe for one architecture (melange's compile phase, pure):
 * the full variable map (§1.5), subpackage `if`s, every package's steps and tests compiled, the
 * metadata substituted (unknown variables are errors with their position), `needs` merged into
 * the guests, and melange's build user and default variables added.
 */
import { isStrictVersion } from '../../apk/index.js';
import { type ConfigPath, type Diagnostic, isObj, isStr, list, obj, strMap } from '../../core/index.js';
import { archFacts } from './arch.js';
import { compileSteps, DEFAULT_WORKDIR, type StepContext } from './compile-steps.js';
import { evaluateCondition } from './condition.js';
import { guestEnvironment } from './guest.js';
import type { PreparedRecipe } from './prepare.js';
import { at, Reporter, unknownHint, type Where } from './report.js';
import type { VarMap } from './substitute.js';
import type { CompiledPackage, CompiledRecipe, CompiledTest, Copyright, PipelineLibrary, RawMap } from './types.js';
import { mapStrings } from './walk-strings.js';

export const OUT_DIR = '/home/build/melange-out';

export interface CompileOptions {
  readonly arch: string;
  readonly library: PipelineLibrary;
  /** Where `uses` names were looked for (for hints). */
  readonly searched?: readonly string[];
  /** --env-file values. */
  readonly envFile?: Readonly<Record<string, string>>;
  /** Every pipeline name that exists, for did-you-mean on a `uses` that was not found. */
  readonly available?: readonly string[];
  /** Source texts by file name, to place unknown variables exactly. */
  readonly texts?: ReadonlyMap<string, string>;
}

export type CompileResult =
  | { readonly recipe: CompiledRecipe; readonly skipped?: undefined; readonly diagnostics: readonly Diagnostic[] }
  | { readonly recipe?: undefined; readonly skipped: string; readonly diagnostics: readonly Diagnostic[] }
  | { readonly recipe?: undefined; readonly skipped?: undefined; readonly diagnostics: readonly Diagnostic[] };

const strs = (v: unknown) => list(v).filter(isStr);

function priority(v: unknown): number | undefined {
  return isStr(v) && /^-?\d+$/.test(v) ? Number(v) : undefined;
}

class RecipeCompiler {
  readonly #p: PreparedRecipe;
  readonly #o: CompileOptions;
  readonly #r: Reporter;
  readonly #needs: string[] = [];

  constructor(prepared: PreparedRecipe, options: CompileOptions) {
    this.#p = prepared;
    this.#o = options;
    this.#r = new Reporter(options.texts);
  }

  #where(path: ConfigPath): Where {
    return { file: this.#p.source.file, locations: this.#p.source.locations, path };
  }

  /** Substitutes every string of a metadata value (unknown variables reported). */
  #meta<T>(value: T, vars: VarMap, w: Where): T {
    return mapStrings(value, (s, path) => this.#r.substitute(s, vars, at(w, ...path))) as T;
  }

  #steps(steps: unknown, w: Where, vars: VarMap, needs: string[]): ReturnType<typeof compileSteps> {
    const ctx: StepContext = {
      vars,
      inputs: {},
      workdir: DEFAULT_WORKDIR,
      environment: {},
      library: this.#o.library,
      searched: this.#o.searched ?? [],
      available: this.#o.available ?? [],
      report: this.#r,
      needs,
      depth: 0,
    };
    return compileSteps(steps, w, ctx);
  }

  #test(raw: unknown, w: Where, vars: VarMap, pkg: string, fullVersion: string): CompiledTest | undefined {
    if (!isObj(raw)) return undefined;
    const needs: string[] = [];
    const pipeline = this.#steps(raw.pipeline, at(w, 'pipeline'), vars, needs);
    return {
      environment: guestEnvironment(raw.environment, {
        addPackages: [`${pkg}=${fullVersion}`, ...needs],
        buildDefaults: false,
      }),
      pipeline,
    };
  }

  #package(doc: RawMap, w: Where, vars: VarMap, name: string, fullVersion: string): CompiledPackage {
    const m = <T>(key: string, v: T) => this.#meta(v, vars, at(w, key));
    const deps = obj(doc.dependencies);
    const opts = obj(doc.options);
    const scr = obj(doc.scriptlets);
    const trig = obj(scr.trigger);
    const str = (key: string) => (isStr(doc[key]) ? m(key, doc[key] as string) : undefined);
    const scriptlet = (key: string) =>
      isStr(scr[key]) ? this.#meta(scr[key] as string, vars, at(w, 'scriptlets', key)) : undefined;
    const pp = priority(this.#meta(deps['provider-priority'], vars, at(w, 'dependencies', 'provider-priority')));
    const rp = priority(this.#meta(deps['replaces-priority'], vars, at(w, 'dependencies', 'replaces-priority')));
    const description = str('description');
    const url = str('url');
    const commit = str('commit');
    const test = this.#test(doc.test, at(w, 'test'), vars, name, fullVersion);
    const scripts = {
      ...(scriptlet('pre-install') !== undefined ? { preInstall: scriptlet('pre-install') as string } : {}),
      ...(scriptlet('post-install') !== undefined ? { postInstall: scriptlet('post-install') as string } : {}),
      ...(scriptlet('pre-deinstall') !== undefined ? { preDeinstall: scriptlet('pre-deinstall') as string } : {}),
      ...(scriptlet('post-deinstall') !== undefined ? { postDeinstall: scriptlet('post-deinstall') as string } : {}),
      ...(scriptlet('pre-upgrade') !== undefined ? { preUpgrade: scriptlet('pre-upgrade') as string } : {}),
      ...(scriptlet('post-upgrade') !== undefined ? { postUpgrade: scriptlet('post-upgrade') as string } : {}),
      ...(isStr(trig.script)
        ? {
            trigger: {
              script: this.#meta(trig.script, vars, at(w, 'scriptlets', 'trigger', 'script')),
              paths: this.#meta(strs(trig.paths), vars, at(w, 'scriptlets', 'trigger', 'paths')),
            },
          }
        : {}),
    };
    return {
      name,
      ...(description !== undefined ? { description } : {}),
      ...(url !== undefined ? { url } : {}),
      ...(commit !== undefined ? { commit } : {}),
      annotations: m('annotations', strMap(doc.annotations)),
      dependencies: {
        runtime: this.#meta(strs(deps.runtime), vars, at(w, 'dependencies', 'runtime')),
        provides: this.#meta(strs(deps.provides), vars, at(w, 'dependencies', 'provides')),
        replaces: this.#meta(strs(deps.replaces), vars, at(w, 'dependencies', 'replaces')),
        ...(pp !== undefined ? { providerPriority: pp } : {}),
        ...(rp !== undefined ? { replacesPriority: rp } : {}),
      },
      options: {
        noProvides: opts['no-provides'] === true,
        noDepends: opts['no-depends'] === true,
        noCommands: opts['no-commands'] === true,
        noVersionedShlibDeps: opts['no-versioned-shlib-deps'] === true,
      },
      scriptlets: scripts,
      checksDisabled: strs(obj(doc.checks).disabled),
      checksEnabled: strs(obj(doc.checks).enabled),
      setcap: list(doc.setcap)
        .filter(isObj)
        .map((s, i) => ({
          path: isStr(s.path) ? this.#meta(s.path, vars, at(w, 'setcap', i, 'path')) : '',
          add: strMap(s.add),
          reason: isStr(s.reason) ? s.reason : '',
        })),
      outDir: `${OUT_DIR}/${name}`,
      pipeline: this.#steps(doc.pipeline, at(w, 'pipeline'), vars, this.#needs),
      ...(test ? { test } : {}),
      origin: this.#r.origin(w),
    };
  }

  /** The package name and version are literal (vars.* aside) and the version is an apk version. */
  #checkNameVersion(name: string, version: string): void {
    if (version.includes('${{') || name.includes('${{')) {
      this.#r.error(
        'BUILD_CONFIG_UNKNOWN_VAR',
        this.#where(['package']),
        'package name and version cannot use variables other than vars.*',
      );
    } else if (!(isStrictVersion(version) && !version.includes('-')) && version !== '' && !this.#p.source.doc.package) {
      // unreachable for literal versions (parse checks them); kept for recipes built in memory
      this.#r.error(
        'BUILD_CONFIG_BAD_VERSION',
        this.#where(['package', 'version']),
        `package.version '${version}' is not an apk version`,
      );
    }
  }

  /** The variables every package of the recipe sees: build and target triplets, output directories. */
  #baseVars(facts: NonNullable<ReturnType<typeof archFacts>>, name: string, subNames: readonly string[]): VarMap {
    const destdir = `${OUT_DIR}/${name}`;
    const base: Record<string, string> = {
      ...this.#p.parseVars,
      'build.arch': this.#o.arch,
      'build.goarch': facts.goarch,
      'host.triplet.gnu': facts.gnu,
      'host.triplet.rust': facts.rust,
      'cross.triplet.gnu.glibc': facts.gnu,
      'cross.triplet.gnu.musl': facts.gnuMusl,
      'cross.triplet.rust.glibc': facts.rust,
      'cross.triplet.rust.musl': facts.rustMusl,
      'targets.outdir': OUT_DIR,
      'targets.destdir': destdir,
      [`targets.package.${name}`]: destdir,
    };
    for (const n of subNames) base[`targets.package.${n}`] = `${OUT_DIR}/${n}`;
    return base;
  }

  /** One subpackage, or undefined when its `if:` is false or broken (reported); a repeated name is reported. */
  #subpackage(
    sp: PreparedRecipe['subpackages'][number],
    spName: string,
    base: VarMap,
    main: { readonly name: string; readonly fullVersion: string; readonly seen: Set<string> },
  ): CompiledPackage | undefined {
    const w = this.#where(sp.path);
    const vars: VarMap = {
      ...base,
      'subpkg.name': spName,
      'context.name': spName,
      'targets.subpkgdir': `${OUT_DIR}/${spName}`,
      'targets.contextdir': `${OUT_DIR}/${spName}`,
    };
    if (isStr(sp.doc.if)) {
      const r = evaluateCondition(sp.doc.if, vars);
      if (!r.ok) {
        this.#r.error(
          r.unknown ? 'BUILD_CONFIG_UNKNOWN_VAR' : 'BUILD_CONFIG_BAD_CONDITION',
          at(w, 'if'),
          `if: ${r.message}`,
          r.unknown?.[0] ? unknownHint(r.unknown[0], vars) : undefined,
        );
        return undefined;
      }
      if (!r.value) return undefined;
    }
    if (spName.includes('${{')) this.#r.substitute(spName, vars, at(w, 'name'));
    const written = obj(list(this.#p.source.doc.subpackages)[sp.path[1] as number]);
    const generated = isStr(written.range) || (isStr(written.name) && written.name.includes('${{'));
    if (main.seen.has(spName) && (generated || spName === main.name)) {
      this.#r.error(
        'BUILD_CONFIG_VALUE',
        at(w, 'name'),
        `package name '${spName}' is produced twice`,
        'names must be unique',
      );
    }
    main.seen.add(spName);
    return this.#package(sp.doc, w, vars, spName, main.fullVersion);
  }

  compile(): CompileResult {
    const { arch } = this.#o;
    const p = this.#p;
    const pkg = obj(p.doc.package);
    const facts = archFacts(arch);
    if (!facts) {
      this.#r.error('BUILD_CONFIG_VALUE', this.#where([]), `unknown architecture '${arch}'`);
      return { diagnostics: this.#r.diagnostics };
    }
    const targets = strs(pkg['target-architecture']);
    if (targets.length > 0 && !targets.includes('all') && !targets.includes(arch)) {
      return { skipped: `target-architecture is ${targets.join(', ')}`, diagnostics: [] };
    }
    const name = isStr(pkg.name) ? pkg.name : '';
    const version = isStr(pkg.version) ? pkg.version : '';
    const epoch = typeof pkg.epoch === 'number' ? pkg.epoch : 0;
    const fullVersion = `${version}-r${epoch}`;
    this.#checkNameVersion(name, version);
    const subNames = p.subpackages.map((sp) => (isStr(sp.doc.name) ? sp.doc.name : ''));
    const destdir = `${OUT_DIR}/${name}`;
    const base = this.#baseVars(facts, name, subNames);

    const mainVars: VarMap = { ...base, 'context.name': name, 'targets.contextdir': destdir };
    const packages: CompiledPackage[] = [this.#package(pkg, this.#where(['package']), mainVars, name, fullVersion)];
    // The main package's pipeline and test live at the top level, not under package:.
    const main = packages[0] as CompiledPackage;
    const mainTest = this.#test(p.doc.test, this.#where(['test']), mainVars, name, fullVersion);
    packages[0] = {
      ...main,
      pipeline: this.#steps(p.doc.pipeline, this.#where(['pipeline']), mainVars, this.#needs),
      ...(mainTest ? { test: mainTest } : {}),
    };
    const seen = new Set<string>([name]);
    p.subpackages.forEach((sp, i) => {
      const compiled = this.#subpackage(sp, subNames[i] as string, base, { name, fullVersion, seen });
      if (compiled) packages.push(compiled);
    });

    const doc = p.doc;
    const copyright = copyrightOf(pkg);
    const caps = obj(doc.capabilities);
    const cpe = strMap(pkg.cpe);
    const res = strMap(pkg.resources);
    const tres = strMap(pkg['test-resources']);
    const recipe: CompiledRecipe = {
      arch,
      file: p.source.file,
      name,
      version,
      epoch,
      fullVersion,
      copyright: this.#meta(copyright, mainVars, this.#where(['package', 'copyright'])),
      targetArchitecture: targets,
      ...(Object.keys(cpe).length > 0 ? { cpe } : {}),
      ...(isStr(pkg.timeout) ? { timeout: pkg.timeout } : {}),
      ...(Object.keys(res).length > 0 ? { resources: res } : {}),
      ...(Object.keys(tres).length > 0 ? { testResources: tres } : {}),
      capabilities: { add: strs(caps.add), drop: strs(caps.drop) },
      environment: guestEnvironment(doc.environment, {
        addPackages: this.#needs,
        buildDefaults: true,
        ...(this.#o.envFile ? { envFile: this.#o.envFile } : {}),
      }),
      vars: p.vars,
      buildOptions: p.buildOptions,
      packages,
      ...(isObj(doc.update) ? { update: doc.update } : {}),
    };
    this.#warnLiteral(recipe);
    return { recipe, diagnostics: this.#r.diagnostics };
  }

  /** melange leaves `${{…}}` in the guest environment literal (issue #1958); say so. */
  #warnLiteral(recipe: CompiledRecipe): void {
    const env = obj(obj(this.#p.doc.environment).environment);
    for (const [k, v] of Object.entries(recipe.environment.environment)) {
      if (!v.includes('${{') || !Object.hasOwn(env, k)) continue;
      this.#r.warn(
        'BUILD_CONFIG_UNKNOWN_VAR',
        this.#where(['environment', 'environment', k]),
        `environment.environment.${k} keeps '${v}' literally: only package.* and vars.* are substituted there`,
        'move the value into a step environment: or a runs: script, where every variable is known',
      );
    }
  }
}

/** Compiles a prepared recipe for one architecture. Errors are diagnostics; `recipe` is still returned. */
export function compileRecipe(prepared: PreparedRecipe, options: CompileOptions): CompileResult {
  return new RecipeCompiler(prepared, options).compile();
}

/** The recipe's `package.copyright` entries, a missing `paths` meaning all (`*`). */
function copyrightOf(pkg: RawMap): Copyright[] {
  return list(pkg.copyright)
    .filter(isObj)
    .map((c) => ({
      license: isStr(c.license) ? c.license : '',
      paths: strs(c.paths).length > 0 ? strs(c.paths) : ['*'],
      ...(isStr(c.attestation) ? { attestation: c.attestation } : {}),
      ...(isStr(c['license-path']) ? { licensePath: c['license-path'] } : {}),
      ...(isStr(c['detection-override']) ? { detectionOverride: c['detection-override'] } : {}),
    }));
}
