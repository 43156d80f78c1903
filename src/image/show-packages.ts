/**
 * `show-packages` output (pure): apko's named formats and a small subset of Go's text/template —
 * literal text and `{{ .Field }}` — over Name, Version, Source (the package URL) and Arch.
 */
import { LupineError } from '../core/index.js';

export interface ShownPackage {
  readonly name: string;
  readonly version: string;
  /** The package URL as apko prints it. */
  readonly source: string;
  readonly arch: string;
}

/** apko's pre-defined `--format` names. */
export const SHOW_PACKAGES_FORMATS: Readonly<Record<string, string>> = {
  'name-version': '{{ .Name }} {{ .Version }}',
  'name-version-source': '{{ .Name }} {{ .Version }} {{ .Source }}',
  'name=version': '{{ .Name }}={{ .Version }}',
  'name=version-source': '{{ .Name }}={{ .Version }} {{ .Source }}',
  'name-(version)': '{{ .Name }} ({{ .Version }})',
  'name-(version)-source': '{{ .Name }} ({{ .Version }}) {{ .Source }}',
  packagelock: '- {{ .Name }}={{ .Version }}',
  'packagelock-source': '- {{ .Name }}={{ .Version }} # {{ .Source }}',
};

export const DEFAULT_SHOW_PACKAGES_FORMAT = 'name-version';

const FIELDS: Readonly<Record<string, (p: ShownPackage) => string>> = {
  Name: (p) => p.name,
  Version: (p) => p.version,
  Source: (p) => p.source,
  Arch: (p) => p.arch,
};

type Part = string | ((p: ShownPackage) => string);

/** Compiles a format name or template; throws IMAGE_BAD_TEMPLATE for what it cannot evaluate. */
export function compilePackageFormat(format: string): (p: ShownPackage) => string {
  const template = SHOW_PACKAGES_FORMATS[format] ?? format;
  const parts: Part[] = [];
  let rest = template;
  for (;;) {
    const open = rest.indexOf('{{');
    if (open < 0) break;
    const close = rest.indexOf('}}', open + 2);
    if (close < 0) throw badTemplate(template, 'unclosed action: a `{{` without `}}`');
    if (open > 0) parts.push(rest.slice(0, open));
    const action = rest
      .slice(open + 2, close)
      .replace(/^-\s/, '')
      .replace(/\s-$/, '')
      .trim();
    const m = /^\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(action);
    const get = m ? FIELDS[m[1] ?? ''] : undefined;
    if (!get) {
      throw badTemplate(
        template,
        m ? `can't evaluate field ${m[1]}` : `unsupported action {{${rest.slice(open + 2, close)}}}`,
      );
    }
    parts.push(get);
    rest = rest.slice(close + 2);
  }
  if (rest !== '') parts.push(rest);
  return (p) => parts.map((x) => (typeof x === 'string' ? x : x(p))).join('');
}

function badTemplate(template: string, why: string): LupineError {
  return new LupineError('IMAGE_BAD_TEMPLATE', `format '${template}': ${why}`, {
    details: { template },
    hint: `use one of ${Object.keys(SHOW_PACKAGES_FORMATS).join(', ')}, or a template with {{ .Name }}, {{ .Version }}, {{ .Source }}, {{ .Arch }}`,
  });
}

/** One line per package, arch after arch (apko prints no arch headers). */
export function showPackages(packages: readonly ShownPackage[], format = DEFAULT_SHOW_PACKAGES_FORMAT): string {
  const line = compilePackageFormat(format);
  return packages.map((p) => `${line(p)}\n`).join('');
}
