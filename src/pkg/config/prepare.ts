/**
 * Parse-time work (melange's first substitution phase), pure: the variable map (recipe vars,
 * --vars-file, enabled build options, then var-transforms in order), `package.*`/`vars.*`
 * substituted where melange does it at parse time (unknown names stay literal for the compile
 * phase, so `${{build.arch}}` in `environment` stays as written), build options' package
 * changes, and `range` subpackages expanded over `data` in sorted key order.
 */
import {
  type ConfigPath,
  type Diagnostic,
  DiagnosticSink,
  didYouMean,
  isObj,
  isStr,
  list,
  obj,
  strMap,
} from '../../core/index.js';
import { replaceKnown, type VarMap } from './substitute.js';
import type { RawMap, RecipeSource } from './types.js';
import { goRegExp, goReplaceAll } from './var-transforms.js';
import { mapStrings } from './walk-strings.js';

export interface PrepareOptions {
  /** --vars-file values; they override the recipe's vars. */
  readonly vars?: Readonly<Record<string, string>>;
  /** --build-option names, applied in order. */
  readonly buildOptions?: readonly string[];
}

/** A subpackage after range expansion, with the path of the entry it came from. */
export interface PreparedSubpackage {
  readonly doc: RawMap;
  readonly path: ConfigPath;
}

export interface PreparedRecipe {
  readonly source: RecipeSource;
  /** The document with parse-time substitution and build options applied. */
  readonly doc: RawMap;
  /** `vars.*`, `package.*` and every option's `options.<name>.enabled`. */
  readonly parseVars: VarMap;
  /** The final user variables (name without `vars.`). */
  readonly vars: Readonly<Record<string, string>>;
  readonly buildOptions: readonly string[];
  readonly subpackages: readonly PreparedSubpackage[];
  readonly diagnostics: readonly Diagnostic[];
}

/** Top-level keys substituted at parse time (data, vars, var-transforms and options are inputs). */
const PARSE_TIME_KEYS = ['package', 'environment', 'pipeline', 'subpackages', 'test', 'update', 'capabilities'];

export function packageVars(pkg: RawMap): Record<string, string> {
  const version = isStr(pkg.version) ? pkg.version : '';
  const epoch = typeof pkg.epoch === 'number' ? pkg.epoch : 0;
  return {
    'package.name': isStr(pkg.name) ? pkg.name : '',
    'package.version': version,
    'package.epoch': String(epoch),
    'package.full-version': `${version}-r${epoch}`,
    'package.description': isStr(pkg.description) ? pkg.description : '',
    'package.srcdir': '/home/build',
  };
}

/** The build options asked for that the recipe defines, once each; an undefined one is reported. */
function enabledOptions(
  recipeOptions: RawMap,
  asked: readonly string[],
  sink: DiagnosticSink,
  loc: RecipeSource['locations'],
): string[] {
  const enabled: string[] = [];
  for (const name of asked) {
    if (!Object.hasOwn(recipeOptions, name)) {
      const guess = didYouMean(name, Object.keys(recipeOptions));
      sink.error(
        'BUILD_CONFIG_BAD_OPTION',
        loc.key(['options']),
        `build option '${name}' is not defined in the recipe`,
        guess ? `did you mean '${guess}'?` : `defined options: ${Object.keys(recipeOptions).join(', ') || 'none'}`,
      );
    } else if (!enabled.includes(name)) enabled.push(name);
  }
  return enabled;
}

/** The environment with the enabled build options' package additions and removals applied. */
function withOptionPackages(env: RawMap, enabled: readonly string[], recipeOptions: RawMap): RawMap {
  const contents = obj(env.contents);
  let packages = list(contents.packages).filter(isStr);
  for (const name of enabled) {
    const change = obj(obj(obj(obj(recipeOptions[name]).environment).contents).packages);
    const remove = new Set(list(change.remove).filter(isStr));
    packages = packages.filter((p) => !remove.has(p));
    for (const p of list(change.add).filter(isStr)) if (!packages.includes(p)) packages.push(p);
  }
  return { ...env, contents: { ...contents, packages } };
}

/** The subpackages, a `range:` one expanded to one per item of its data set. */
function expandRanges(doc: RawMap, out: RawMap): PreparedSubpackage[] {
  const data = new Map<string, Record<string, string>>();
  for (const d of list(doc.data)) if (isObj(d) && isStr(d.name)) data.set(d.name, strMap(d.items));
  const subpackages: PreparedSubpackage[] = [];
  list(out.subpackages).forEach((sp, i) => {
    if (!isObj(sp)) return;
    const path: ConfigPath = ['subpackages', i];
    if (!isStr(sp.range)) {
      subpackages.push({ doc: sp, path });
      return;
    }
    const items = data.get(sp.range);
    if (!items) return; // parse reported it
    const { range: _range, ...rest } = sp;
    for (const key of Object.keys(items).sort()) {
      const rv = { 'range.key': key, 'range.value': items[key] as string };
      subpackages.push({ doc: mapStrings(rest, (s) => replaceKnown(s, rv)) as RawMap, path });
    }
  });
  return subpackages;
}

export function prepareRecipe(source: RecipeSource, options: PrepareOptions = {}): PreparedRecipe {
  const sink = new DiagnosticSink(source.file);
  const loc = source.locations;
  const doc = source.doc;
  const recipeOptions = obj(doc.options);
  const enabled = enabledOptions(recipeOptions, options.buildOptions ?? [], sink, loc);

  // Variables: package.*, then vars (recipe, --vars-file, options), each substituted with package.*.
  const pkgVars = packageVars(obj(doc.package));
  const userVars: Record<string, string> = { ...strMap(doc.vars), ...(options.vars ?? {}) };
  for (const name of enabled) Object.assign(userVars, strMap(obj(recipeOptions[name]).vars));
  const vars: Record<string, string> = {};
  for (const [k, v] of Object.entries(userVars)) vars[k] = replaceKnown(v, pkgVars);
  const known = (): Record<string, string> => {
    const m: Record<string, string> = { ...pkgVars };
    for (const [k, v] of Object.entries(vars)) m[`vars.${k}`] = v;
    return m;
  };
  list(doc['var-transforms']).forEach((t, i) => {
    if (!isObj(t) || !isStr(t.from) || !isStr(t.match) || !isStr(t.replace) || !isStr(t.to)) return;
    let re: RegExp;
    try {
      re = goRegExp(t.match);
    } catch {
      return; // parse already reported it
    }
    const from = replaceKnown(t.from, known());
    if (from.includes('${{')) {
      sink.error(
        'BUILD_CONFIG_UNKNOWN_VAR',
        loc.value(['var-transforms', i, 'from']),
        `var-transforms: '${t.from}' uses a variable that is not known at parse time`,
        `only \${{package.*}} and \${{vars.*}} are available to var-transforms`,
      );
    }
    vars[t.to] = goReplaceAll(from, re, t.replace);
  });
  const parseVars: Record<string, string> = known();
  for (const name of Object.keys(recipeOptions)) parseVars[`options.${name}.enabled`] = String(enabled.includes(name));

  // Parse-time substitution.
  const out: RawMap = { ...doc };
  for (const key of PARSE_TIME_KEYS) {
    if (out[key] !== undefined) out[key] = mapStrings(out[key], (s) => replaceKnown(s, parseVars));
  }

  // Build options: environment packages.
  if (enabled.length > 0) out.environment = withOptionPackages(obj(out.environment), enabled, recipeOptions);

  // Range subpackages.
  const subpackages = expandRanges(doc, out);

  return {
    source,
    doc: out,
    parseVars,
    vars,
    buildOptions: enabled,
    subpackages,
    diagnostics: sink.diagnostics,
  };
}
