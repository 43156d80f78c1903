/**
 * apk-tools 2.14 version comparison (`apk_version_compare_blob_fuzzy`), reimplemented from the spec:
 * `digits{.digits}[a-z]{_suffix[digits]}[-r digits]`, 2.x leading-zero rule and prefix-fuzzy `~`.
 */

/** Bits of a comparison result and of a dependency's operator mask. */
export const VERSION_LESS = 1;
export const VERSION_EQUAL = 2;
export const VERSION_GREATER = 4;
export const VERSION_FUZZY = 8;
/** `><`: match by identity. */
export const DEPMASK_CHECKSUM = VERSION_LESS | VERSION_GREATER;
export const DEPMASK_ANY = VERSION_LESS | VERSION_EQUAL | VERSION_GREATER;

// Token types in 2.x order; INVALID sorts below everything.
const T_INVALID = -1;
const T_DIGIT_OR_ZERO = 0;
const T_DIGIT = 1;
const T_LETTER = 2;
const T_SUFFIX = 3;
const T_SUFFIX_NO = 4;
const T_REVISION_NO = 5;
const T_END = 6;

const PRE_SUFFIXES = ['alpha', 'beta', 'pre', 'rc'];
const POST_SUFFIXES = ['cvs', 'svn', 'git', 'hg', 'p'];

const isDigit = (c: number) => c >= 48 && c <= 57;
const isLower = (c: number) => c >= 97 && c <= 122;

/** A cursor over one version string. */
class Tokens {
  type = T_DIGIT;
  #s: string;
  #pos = 0;

  constructor(s: string) {
    this.#s = s;
  }

  #left(): number {
    return this.#s.length - this.#pos;
  }

  #at(i: number): number {
    return this.#s.charCodeAt(this.#pos + i);
  }

  #nextType(): void {
    let n = T_INVALID;
    const t = this.type;
    if (this.#left() === 0 || this.#at(0) === 0) {
      n = T_END;
    } else if ((t === T_DIGIT || t === T_DIGIT_OR_ZERO) && isLower(this.#at(0))) {
      n = T_LETTER;
    } else if (t === T_LETTER && isDigit(this.#at(0))) {
      n = T_DIGIT;
    } else if (t === T_SUFFIX && isDigit(this.#at(0))) {
      n = T_SUFFIX_NO;
    } else {
      const c = this.#s[this.#pos];
      if (c === '.') n = T_DIGIT_OR_ZERO;
      else if (c === '_') n = T_SUFFIX;
      else if (c === '-') {
        if (this.#left() > 1 && this.#s[this.#pos + 1] === 'r') {
          n = T_REVISION_NO;
          this.#pos++;
        }
      }
      this.#pos++;
    }
    if (n < t) {
      const allowed =
        (n === T_DIGIT_OR_ZERO && t === T_DIGIT) ||
        (n === T_SUFFIX && t === T_SUFFIX_NO) ||
        (n === T_DIGIT && t === T_LETTER);
      if (!allowed) n = T_INVALID;
    }
    this.type = n;
  }

  /** Reads the value of the current token and advances the type to the next one. */
  next(): number {
    if (this.#left() <= 0) {
      this.type = T_END;
      return 0;
    }
    let v = 0;
    let i = 0;
    let nt = T_INVALID;
    const left = this.#left();
    switch (this.type) {
      case T_DIGIT_OR_ZERO:
        if (this.#at(0) === 48) {
          while (i + 1 < left && this.#at(i + 1) === 48) i++;
          nt = T_DIGIT;
          v = -i;
          break;
        }
        while (i < left && isDigit(this.#at(i))) v = v * 10 + (this.#at(i++) - 48);
        break;
      case T_DIGIT:
      case T_SUFFIX_NO:
      case T_REVISION_NO:
        while (i < left && isDigit(this.#at(i))) v = v * 10 + (this.#at(i++) - 48);
        break;
      case T_LETTER:
        v = this.#at(0);
        i = 1;
        break;
      case T_SUFFIX: {
        const rest = this.#s.slice(this.#pos);
        const pre = PRE_SUFFIXES.findIndex((s) => rest.startsWith(s));
        if (pre >= 0) {
          i = (PRE_SUFFIXES[pre] as string).length;
          v = pre - PRE_SUFFIXES.length;
          break;
        }
        const post = POST_SUFFIXES.findIndex((s) => rest.startsWith(s));
        if (post >= 0) {
          i = (POST_SUFFIXES[post] as string).length;
          v = post;
          break;
        }
        this.type = T_INVALID;
        return -1;
      }
      default:
        this.type = T_INVALID;
        return -1;
    }
    this.#pos += i;
    if (this.#left() === 0) this.type = T_END;
    else if (nt !== T_INVALID) this.type = nt;
    else this.#nextType();
    return v;
  }
}

/** Compares two versions; returns one of VERSION_LESS / EQUAL / GREATER (a relative to b). */
export function compareVersionsMask(a: string, b: string, fuzzy = false): number {
  // Equal strings tokenize alike: the loop below would end on equal types.
  if (a === b) return VERSION_EQUAL;
  const ta = new Tokens(a);
  const tb = new Tokens(b);
  let av = 0;
  let bv = 0;
  while (ta.type === tb.type && ta.type !== T_END && ta.type !== T_INVALID && av === bv) {
    av = ta.next();
    bv = tb.next();
  }
  if (av < bv) return VERSION_LESS;
  if (av > bv) return VERSION_GREATER;
  if (ta.type === tb.type) return VERSION_EQUAL;
  if (fuzzy && (ta.type === T_END || tb.type === T_END)) return VERSION_EQUAL;
  // The non-terminated side is greater, unless what follows is a pre-release suffix.
  if (ta.type === T_SUFFIX && ta.next() < 0) return VERSION_LESS;
  if (tb.type === T_SUFFIX && tb.next() < 0) return VERSION_GREATER;
  if (ta.type > tb.type) return VERSION_LESS;
  if (tb.type > ta.type) return VERSION_GREATER;
  return VERSION_EQUAL;
}

/** -1, 0 or 1 as apk-tools 2.14 orders the two versions. */
export function compareVersions(a: string, b: string): -1 | 0 | 1 {
  const r = compareVersionsMask(a, b);
  return r === VERSION_LESS ? -1 : r === VERSION_GREATER ? 1 : 0;
}

/** A subset of the valid versions: `digits{.digits}[a-z]{_suffix[digits]}[-rdigits]`. */
const COMMON_VERSION = /^\d+(?:\.\d+)*[a-z]?(?:_(?:alpha|beta|pre|rc|cvs|svn|git|hg|p)\d*)*(?:-r\d+)?$/;

/** The apk version grammar (spec §5, as apk-tools 3 validates): `digits{.digits}[a-z]{_suffix[digits]}[~hex][-rdigits]`. */
const STRICT_VERSION = /^\d+(?:\.\d+)*[a-z]?(?:_(?:alpha|beta|pre|rc|cvs|svn|git|hg|p)\d*)*(?:~[0-9a-f]+)?(?:-r\d+)?$/;

/**
 * Whether `v` follows the apk version grammar exactly. Stricter than `isValidVersion` (2.14's lax
 * tokenizer, which lets `.5`, `0x10`, `1e3` and `1.0a1` through and is kept for reading existing
 * indexes): use this for versions lupine writes, such as a recipe's.
 */
export function isStrictVersion(v: string): boolean {
  return STRICT_VERSION.test(v);
}

/** apk-tools 2.14 `apk_version_validate` (note: the empty string is valid in 2.x). */
export function isValidVersion(v: string): boolean {
  // Nearly every version in an index has this shape, all of which the tokenizer accepts.
  if (COMMON_VERSION.test(v)) return true;
  const t = new Tokens(v);
  while (t.type !== T_END && t.type !== T_INVALID) t.next();
  return t.type === T_END;
}

/** The operator mask of `< <= = >= > ~ ><` (and combinations of the characters `<>=~`). */
export function operatorMask(op: string): number {
  let mask = 0;
  for (let i = 0; i < op.length; i++) {
    const c = op.charCodeAt(i);
    if (c === 60 /* < */) mask |= VERSION_LESS;
    else if (c === 62 /* > */) mask |= VERSION_GREATER;
    else if (c === 61 /* = */) mask |= VERSION_EQUAL;
    else if (c === 126 /* ~ */) mask |= VERSION_EQUAL | VERSION_FUZZY;
  }
  return mask;
}

/** The text apk prints for an operator mask (`apk_version_op_string`). */
export function operatorString(mask: number): string {
  switch (mask) {
    case VERSION_LESS:
      return '<';
    case VERSION_LESS | VERSION_EQUAL:
      return '<=';
    case VERSION_EQUAL | VERSION_FUZZY:
      return '~';
    case VERSION_EQUAL:
      return '=';
    case VERSION_GREATER | VERSION_EQUAL:
      return '>=';
    case VERSION_GREATER:
      return '>';
    case DEPMASK_CHECKSUM:
      return '><';
    default:
      return '?';
  }
}

/**
 * Whether a provided version satisfies `op wanted` (`~` is 2.x prefix-fuzzy). `><` cannot be
 * decided from versions; use the dependency matcher for identity pins.
 */
export function versionMatches(provided: string, op: string, wanted: string): boolean {
  const mask = operatorMask(op);
  if (mask === DEPMASK_CHECKSUM) return false;
  return (compareVersionsMask(provided, wanted, (mask & VERSION_FUZZY) !== 0) & mask) !== 0;
}
