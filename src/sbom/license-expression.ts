/**
 * SPDX license expressions (SPDX 2.3 annex D): a parser, a checker against the shipped id table, and
 * the normalization that turns an APK `L:` field into something an SBOM may carry.
 */
import { sha256Hex } from '../core/index.js';
import { knownExceptionId, knownLicenseId } from './license-list.js';

export type LicenseLeaf =
  | { readonly kind: 'license'; readonly id: string; readonly plus: boolean; readonly exception: string }
  | { readonly kind: 'ref'; readonly ref: string; readonly exception: string };

export type LicenseNode =
  | LicenseLeaf
  | { readonly kind: 'and' | 'or'; readonly left: LicenseNode; readonly right: LicenseNode };

const ID = /^[A-Za-z0-9.-]+$/;
const REF = /^(?:DocumentRef-[A-Za-z0-9.-]+:)?LicenseRef-[A-Za-z0-9.-]+$/;

function tokenize(text: string): string[] | undefined {
  const tokens: string[] = [];
  for (const word of text.replace(/([()])/g, ' $1 ').split(/\s+/)) {
    if (word === '') continue;
    if (word.endsWith('+') && word.length > 1 && word !== '+') {
      tokens.push(word.slice(0, -1), '+');
      continue;
    }
    tokens.push(word);
  }
  return tokens.length === 0 ? undefined : tokens;
}

const OPERATORS = new Set(['AND', 'OR', 'WITH', 'and', 'or', 'with']);

/** Parses the syntax only (ids are not looked up); undefined when it is not an expression. */
export function parseLicenseExpression(text: string): LicenseNode | undefined {
  const tokens = tokenize(text);
  if (!tokens) return undefined;
  let pos = 0;
  const peek = (): string | undefined => tokens[pos];
  const isOp = (t: string | undefined, op: string): boolean => t === op || t === op.toLowerCase();

  function simple(): LicenseNode | undefined {
    const t = tokens?.[pos];
    if (t === undefined) return undefined;
    if (t === '(') {
      pos++;
      const inner = or();
      if (!inner || peek() !== ')') return undefined;
      pos++;
      return inner;
    }
    if (t === ')' || t === '+' || OPERATORS.has(t)) return undefined;
    pos++;
    let node: LicenseNode;
    if (REF.test(t)) {
      node = { kind: 'ref', ref: t, exception: '' };
    } else if (ID.test(t)) {
      const plus = peek() === '+';
      if (plus) pos++;
      node = { kind: 'license', id: t, plus, exception: '' };
    } else {
      return undefined;
    }
    if (isOp(peek(), 'WITH')) {
      pos++;
      const exc = peek();
      if (exc === undefined || !ID.test(exc) || OPERATORS.has(exc)) return undefined;
      pos++;
      node = { ...node, exception: exc };
    }
    return node;
  }

  function binary(kind: 'and' | 'or', next: () => LicenseNode | undefined): LicenseNode | undefined {
    let left = next();
    if (!left) return undefined;
    while (isOp(peek(), kind.toUpperCase())) {
      pos++;
      const right = next();
      if (!right) return undefined;
      left = { kind, left, right };
    }
    return left;
  }

  function and(): LicenseNode | undefined {
    return binary('and', simple);
  }

  function or(): LicenseNode | undefined {
    return binary('or', and);
  }

  const tree = or();
  return tree && pos === tokens.length ? tree : undefined;
}

/** Writes an expression with upper-case operators and only the parentheses precedence needs. */
export function formatLicenseExpression(node: LicenseNode): string {
  switch (node.kind) {
    case 'license':
      return `${node.id}${node.plus ? '+' : ''}${node.exception ? ` WITH ${node.exception}` : ''}`;
    case 'ref':
      return `${node.ref}${node.exception ? ` WITH ${node.exception}` : ''}`;
    case 'and': {
      const side = (n: LicenseNode): string =>
        n.kind === 'or' ? `(${formatLicenseExpression(n)})` : formatLicenseExpression(n);
      return `${side(node.left)} AND ${side(node.right)}`;
    }
    case 'or':
      return `${formatLicenseExpression(node.left)} OR ${formatLicenseExpression(node.right)}`;
  }
}

/** Maps every leaf of a tree. */
function mapLeaves(node: LicenseNode, f: (leaf: LicenseLeaf) => LicenseNode): LicenseNode {
  if (node.kind === 'license' || node.kind === 'ref') return f(node);
  return { kind: node.kind, left: mapLeaves(node.left, f), right: mapLeaves(node.right, f) };
}

function leaves(node: LicenseNode): LicenseLeaf[] {
  if (node.kind === 'license' || node.kind === 'ref') return [node];
  return [...leaves(node.left), ...leaves(node.right)];
}

/**
 * Checks an expression against the shipped id table: the canonical form when every id and exception
 * is known (or a LicenseRef), else undefined. `NOASSERTION` and `NONE` are valid as they are.
 */
export function checkLicenseExpression(text: string): string | undefined {
  const t = text.trim();
  if (t === 'NOASSERTION' || t === 'NONE') return t;
  const tree = parseLicenseExpression(t);
  if (!tree) return undefined;
  let ok = true;
  const canonical = mapLeaves(tree, (leaf) => {
    const exception = leaf.exception ? knownExceptionId(leaf.exception) : '';
    if (exception === undefined) ok = false;
    if (leaf.kind === 'ref') return { ...leaf, exception: exception ?? '' };
    const id = knownLicenseId(leaf.id);
    if (id === undefined) ok = false;
    return { ...leaf, id: id ?? leaf.id, exception: exception ?? '' };
  });
  return ok ? formatLicenseExpression(canonical) : undefined;
}

/** A license SPDX 2.3 documents carry in `hasExtractedLicensingInfos`. */
export interface ExtractedLicense {
  readonly licenseId: string;
  readonly name: string;
  readonly extractedText: string;
  readonly comment?: string;
}

/** `LicenseRef-` + the text with characters outside `[A-Za-z0-9.-]` replaced. */
export function licenseRefFor(text: string): string {
  const body = text
    .trim()
    .replace(/\+/g, '-plus')
    .replace(/[^A-Za-z0-9.]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return `LicenseRef-${body === '' ? sha256Hex(text).slice(0, 12) : body}`;
}

/**
 * Hands out LicenseRef ids for license texts that are not SPDX expressions, one per distinct text,
 * and remembers them for `hasExtractedLicensingInfos`.
 */
export class LicenseRefs {
  readonly #byText = new Map<string, string>();
  readonly #infos = new Map<string, ExtractedLicense>();

  /** The LicenseRef for a text that is not on the SPDX list. */
  refFor(text: string): string {
    const known = this.#byText.get(text);
    if (known !== undefined) return known;
    let id = licenseRefFor(text);
    if (this.#infos.has(id)) id = `${id}-${sha256Hex(text).slice(0, 8)}`;
    this.#byText.set(text, id);
    this.#infos.set(id, {
      licenseId: id,
      name: text,
      extractedText: text,
      comment: 'The package declares this license, which is not an SPDX license-list identifier.',
    });
    return id;
  }

  /** Takes an extracted license from another document (first one wins). */
  adopt(info: ExtractedLicense): void {
    if (!this.#infos.has(info.licenseId)) this.#infos.set(info.licenseId, info);
  }

  has(licenseId: string): boolean {
    return this.#infos.has(licenseId);
  }

  /** Sorted by licenseId. */
  extracted(): ExtractedLicense[] {
    return [...this.#infos.values()].sort((a, b) =>
      a.licenseId < b.licenseId ? -1 : a.licenseId > b.licenseId ? 1 : 0,
    );
  }
}

/**
 * The `licenseDeclared` for an APK `L:` field: the canonical expression when it is a valid one;
 * unknown ids inside a well-formed expression become LicenseRefs; anything else becomes one
 * LicenseRef for the whole text. '' gives NOASSERTION.
 */
export function spdxLicenseFor(raw: string, refs: LicenseRefs): string {
  const text = raw.trim();
  if (text === '') return 'NOASSERTION';
  const valid = checkLicenseExpression(text);
  if (valid !== undefined) {
    for (const leaf of leaves(parseLicenseExpression(valid) as LicenseNode)) {
      if (leaf.kind === 'ref' && !leaf.ref.startsWith('DocumentRef-') && !refs.has(leaf.ref))
        refs.refFor(leaf.ref.slice(11));
    }
    return valid;
  }
  const tree = parseLicenseExpression(text);
  if (!tree) return refs.refFor(text);
  const mapped = mapLeaves(tree, (leaf): LicenseNode => {
    const exception = leaf.exception ? knownExceptionId(leaf.exception) : '';
    const written = leaf.kind === 'ref' ? leaf.ref : `${leaf.id}${leaf.plus ? '+' : ''}`;
    if (exception === undefined) {
      return { kind: 'ref', ref: refs.refFor(`${written} WITH ${leaf.exception}`), exception: '' };
    }
    if (leaf.kind === 'ref') {
      if (!leaf.ref.startsWith('DocumentRef-') && !refs.has(leaf.ref)) refs.refFor(leaf.ref.slice(11));
      return { ...leaf, exception };
    }
    const id = knownLicenseId(leaf.id);
    if (id !== undefined) return { ...leaf, id, exception };
    return { kind: 'ref', ref: refs.refFor(written), exception };
  });
  return formatLicenseExpression(mapped);
}
