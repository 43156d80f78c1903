/**
 * Recipe and pipeline-file text → decoded documents plus every diagnostic (pure). Strict like
 * melange (yaml.v3 KnownFields): unknown keys are errors with a did-you-mean, or warnings with
 * `lenient`. Checks what can be checked before substitution: names, versions, `uses`/`runs`,
 * unique subpackage names, `range` targets, var-transform patterns, priorities.
 */
import { isStrictVersion } from '../../apk/index.js';
import {
  type ConfigPath,
  type DecodeCodes,
  type Diagnostic,
  DiagnosticSink,
  decodeConfigText,
  didYouMean,
  isObj,
  isStr,
  type Locations,
  list,
  obj,
} from '../../core/index.js';
import { MELANGE_CONFIG_SHAPE, PIPELINE_FILE_SHAPE } from './shape.js';
import type { PipelineFile, RawMap, RecipeSource } from './types.js';
import { goRegExp } from './var-transforms.js';

export const BUILD_CONFIG_CODES: DecodeCodes = {
  syntax: 'BUILD_CONFIG_SYNTAX',
  type: 'BUILD_CONFIG_TYPE',
  value: 'BUILD_CONFIG_VALUE',
  unknownKey: 'BUILD_CONFIG_UNKNOWN_KEY',
  missing: 'BUILD_CONFIG_MISSING',
  deprecated: 'BUILD_CONFIG_DEPRECATED',
};

export interface ParseRecipeOptions {
  /** The name diagnostics carry (default `melange.yaml`). */
  readonly file?: string;
  readonly lenient?: boolean;
}

export interface ParsedRecipe {
  /** Undefined when the text is not YAML or not a mapping. */
  readonly source: RecipeSource | undefined;
  readonly diagnostics: readonly Diagnostic[];
}

const NAME = /^[a-zA-Z\d][a-zA-Z\d+_.-]*$/;

/** A `${{…}}` in a name or version is checked after substitution instead. */
const templated = (s: string) => s.includes('${{');

class RecipeChecker {
  readonly #sink: DiagnosticSink;
  readonly #loc: Locations;
  readonly #lenient: boolean;

  constructor(sink: DiagnosticSink, loc: Locations, lenient = false) {
    this.#sink = sink;
    this.#loc = loc;
    this.#lenient = lenient;
  }

  name(value: unknown, path: ConfigPath, what: string): void {
    if (!isStr(value) || templated(value) || NAME.test(value)) return;
    this.#sink.error(
      'BUILD_CONFIG_BAD_NAME',
      this.#loc.value(path),
      `${what} '${value}' is not a valid package name`,
      'use letters, digits and + _ . - (starting with a letter or digit)',
    );
  }

  version(value: unknown, path: ConfigPath): void {
    if (!isStr(value) || templated(value)) return;
    if (isStrictVersion(value) && !value.includes('-')) return;
    const fixed = value.replace(/-(alpha|beta|pre|rc|p)/, '_$1').replace(/-/g, '.');
    // melange fails such builds (PR #2039); --lenient lets older recipes through with a warning.
    this.#sink.add(
      this.#lenient ? 'warning' : 'error',
      'BUILD_CONFIG_BAD_VERSION',
      this.#loc.value(path),
      `package.version '${value}' is not an apk version`,
      value.includes('-')
        ? `apk versions have no hyphens: write '${fixed}' and rebuild the upstream tag with var-transforms`
        : 'use digits separated by dots, an optional letter, then _alpha/_beta/_pre/_rc/_p suffixes with digits',
    );
  }

  priority(value: unknown, path: ConfigPath): void {
    if (!isStr(value) || templated(value) || /^-?\d+$/.test(value)) return;
    this.#sink.error('BUILD_CONFIG_VALUE', this.#loc.value(path), `${path.join('.')}: '${value}' is not an integer`);
  }

  steps(steps: unknown, path: ConfigPath): void {
    list(steps).forEach((s, i) => {
      if (isObj(s)) this.step(s, [...path, i]);
    });
  }

  step(step: RawMap, path: ConfigPath): void {
    const uses = step.uses;
    if (isStr(uses)) {
      if (step.runs !== undefined) {
        this.#sink.error(
          'BUILD_CONFIG_VALUE',
          this.#loc.key([...path, 'runs']),
          "a step has both 'uses' and 'runs'",
          'split it into two steps',
        );
      }
      if (uses.startsWith('/') || uses.split('/').includes('..') || uses === '') {
        this.#sink.error(
          'BUILD_CONFIG_PIPELINE_NOT_FOUND',
          this.#loc.value([...path, 'uses']),
          `uses: '${uses}' must be a relative pipeline name without '..'`,
        );
      }
    } else if (step.with !== undefined) {
      this.#sink.error(
        'BUILD_CONFIG_BAD_INPUT',
        this.#loc.key([...path, 'with']),
        "'with' is only meaningful with 'uses'",
        'pass values to a runs: step through environment instead',
      );
    }
    this.steps(step.pipeline, [...path, 'pipeline']);
  }

  recipe(doc: RawMap): void {
    const pkg = obj(doc.package);
    this.name(pkg.name, ['package', 'name'], 'package.name');
    this.version(pkg.version, ['package', 'version']);
    const deps = obj(pkg.dependencies);
    this.priority(deps['provider-priority'], ['package', 'dependencies', 'provider-priority']);
    this.priority(deps['replaces-priority'], ['package', 'dependencies', 'replaces-priority']);
    this.steps(doc.pipeline, ['pipeline']);
    this.steps(obj(doc.test).pipeline, ['test', 'pipeline']);
    const dataNames = list(doc.data).flatMap((d) => (isObj(d) && isStr(d.name) ? [d.name] : []));
    const seen = new Map<string, number>();
    list(doc.subpackages).forEach((sp, i) => {
      if (!isObj(sp)) return;
      const path = ['subpackages', i];
      this.name(sp.name, [...path, 'name'], 'subpackage name');
      const sd = obj(sp.dependencies);
      this.priority(sd['provider-priority'], [...path, 'dependencies', 'provider-priority']);
      this.priority(sd['replaces-priority'], [...path, 'dependencies', 'replaces-priority']);
      this.steps(sp.pipeline, [...path, 'pipeline']);
      this.steps(obj(sp.test).pipeline, [...path, 'test', 'pipeline']);
      if (isStr(sp.range) && !dataNames.includes(sp.range)) {
        const guess = didYouMean(sp.range, dataNames);
        this.#sink.error(
          'BUILD_CONFIG_VALUE',
          this.#loc.value([...path, 'range']),
          `range: no data entry named '${sp.range}'`,
          guess ? `did you mean '${guess}'?` : `add a 'data:' entry with name: ${sp.range}`,
        );
      }
      if (isStr(sp.name) && sp.range === undefined) {
        const first = seen.get(sp.name);
        if (first !== undefined) {
          this.#sink.error(
            'BUILD_CONFIG_VALUE',
            this.#loc.value([...path, 'name']),
            `subpackage '${sp.name}' is already defined at line ${this.#loc.value(['subpackages', first, 'name']).line}`,
            'subpackage names must be unique',
          );
        } else seen.set(sp.name, i);
      }
    });
    list(doc['var-transforms']).forEach((t, i) => {
      if (!isObj(t) || !isStr(t.match)) return;
      try {
        goRegExp(t.match);
      } catch (err) {
        this.#sink.error(
          'BUILD_CONFIG_BAD_TRANSFORM',
          this.#loc.value(['var-transforms', i, 'match']),
          `var-transforms: '${t.match}' is not a valid regular expression: ${(err as Error).message}`,
        );
      }
    });
  }
}

/** Parses a melange recipe strictly, collecting all problems at once. */
export function parseRecipe(text: string, options: ParseRecipeOptions = {}): ParsedRecipe {
  const file = options.file ?? 'melange.yaml';
  const sink = new DiagnosticSink(file);
  const decoded = decodeConfigText(text, MELANGE_CONFIG_SHAPE, sink, {
    codes: BUILD_CONFIG_CODES,
    lenient: options.lenient ?? false,
    what: 'a melange recipe',
  });
  if (decoded.value === undefined) return { source: undefined, diagnostics: sink.diagnostics };
  new RecipeChecker(sink, decoded.locations, options.lenient ?? false).recipe(decoded.value);
  return { source: { file, doc: decoded.value, locations: decoded.locations }, diagnostics: sink.diagnostics };
}

export interface ParsedPipelineFile {
  readonly pipeline: PipelineFile | undefined;
  readonly diagnostics: readonly Diagnostic[];
}

/** Parses a pipeline file (melange reads these without KnownFields, so unknown keys only warn). */
export function parsePipelineFile(text: string, name: string, file: string): ParsedPipelineFile {
  const sink = new DiagnosticSink(file);
  const decoded = decodeConfigText(text, PIPELINE_FILE_SHAPE, sink, {
    codes: BUILD_CONFIG_CODES,
    lenient: true,
    what: 'a pipeline file',
  });
  if (decoded.value === undefined) return { pipeline: undefined, diagnostics: sink.diagnostics };
  const checker = new RecipeChecker(sink, decoded.locations);
  checker.step(decoded.value, []);
  return {
    pipeline: { name, file, doc: decoded.value, locations: decoded.locations },
    diagnostics: sink.diagnostics,
  };
}
