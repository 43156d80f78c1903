/**
 * melange `if:` expressions: values compared with `==` or `!=`, combined with `&&` and `||`
 * (`&&` binds tighter) and parentheses. A value is a quoted literal ('x' or "x"), a `${{name}}`
 * variable or a bare word; a lone value is true when it is `true`. Pure: variables come from a map.
 */
import type { VarMap } from './substitute.js';

type Token =
  | { readonly t: 'value'; readonly v: string }
  | { readonly t: 'var'; readonly name: string }
  | { readonly t: 'op'; readonly v: '==' | '!=' | '&&' | '||' | '(' | ')' };

export type ConditionResult =
  | { readonly ok: true; readonly value: boolean }
  | { readonly ok: false; readonly message: string; readonly unknown?: readonly string[] };

class ConditionError extends Error {}

function tokenize(expr: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < expr.length) {
    const c = expr[i] as string;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const two = expr.slice(i, i + 2);
    if (two === '==' || two === '!=' || two === '&&' || two === '||') {
      out.push({ t: 'op', v: two });
      i += 2;
      continue;
    }
    if (c === '(' || c === ')') {
      out.push({ t: 'op', v: c });
      i++;
      continue;
    }
    if (c === "'" || c === '"') {
      const end = expr.indexOf(c, i + 1);
      if (end < 0) throw new ConditionError(`unterminated quote at column ${i + 1}`);
      out.push({ t: 'value', v: expr.slice(i + 1, end) });
      i = end + 1;
      continue;
    }
    if (expr.startsWith('${{', i)) {
      const end = expr.indexOf('}}', i);
      if (end < 0) throw new ConditionError(`unterminated \${{ at column ${i + 1}`);
      const name = expr.slice(i + 3, end).trim();
      if (!/^[A-Za-z0-9._-]+$/.test(name)) throw new ConditionError(`bad variable name '${name}'`);
      out.push({ t: 'var', name });
      i = end + 2;
      continue;
    }
    const m = /^[^\s()'"=!&|]+/.exec(expr.slice(i));
    if (!m) throw new ConditionError(`unexpected '${c}' at column ${i + 1}`);
    out.push({ t: 'value', v: m[0] });
    i += m[0].length;
  }
  return out;
}

class Parser {
  #pos = 0;
  readonly #tokens: Token[];
  readonly #vars: VarMap;
  readonly unknown: string[] = [];

  constructor(tokens: Token[], vars: VarMap) {
    this.#tokens = tokens;
    this.#vars = vars;
  }

  #peekOp(v: string): boolean {
    const t = this.#tokens[this.#pos];
    return t?.t === 'op' && t.v === v;
  }

  parse(): boolean {
    if (this.#tokens.length === 0) throw new ConditionError('empty condition');
    const v = this.#or();
    if (this.#pos < this.#tokens.length) throw new ConditionError('unexpected text after the condition');
    return v;
  }

  #or(): boolean {
    return this.#chain('||', () => this.#and());
  }

  #and(): boolean {
    return this.#chain('&&', () => this.#comparison());
  }

  /** `operand (op operand)*`, every operand parsed (no short circuit: the text must be read whole). */
  #chain(op: '||' | '&&', operand: () => boolean): boolean {
    let v = operand();
    while (this.#peekOp(op)) {
      this.#pos++;
      const r = operand();
      v = op === '||' ? v || r : v && r;
    }
    return v;
  }

  #comparison(): boolean {
    if (this.#peekOp('(')) {
      this.#pos++;
      const v = this.#or();
      if (!this.#peekOp(')')) throw new ConditionError("missing ')'");
      this.#pos++;
      return v;
    }
    const left = this.#value();
    if (this.#peekOp('==') || this.#peekOp('!=')) {
      const op = (this.#tokens[this.#pos] as { v: string }).v;
      this.#pos++;
      const right = this.#value();
      return op === '==' ? left === right : left !== right;
    }
    if (left === 'true') return true;
    if (left === 'false' || left === '') return false;
    throw new ConditionError(`'${left}' is not a comparison (use == or !=)`);
  }

  #value(): string {
    const t = this.#tokens[this.#pos];
    if (!t) throw new ConditionError('the condition ends where a value was expected');
    this.#pos++;
    if (t.t === 'value') return t.v;
    if (t.t === 'var') {
      if (Object.hasOwn(this.#vars, t.name)) return this.#vars[t.name] as string;
      if (!this.unknown.includes(t.name)) this.unknown.push(t.name);
      return '';
    }
    throw new ConditionError(`unexpected '${t.v}' where a value was expected`);
  }
}

export function evaluateCondition(expr: string, vars: VarMap): ConditionResult {
  try {
    const parser = new Parser(tokenize(expr), vars);
    const value = parser.parse();
    if (parser.unknown.length > 0) {
      return {
        ok: false,
        message: `unknown variable ${parser.unknown.map((n) => `\${{${n}}}`).join(', ')}`,
        unknown: parser.unknown,
      };
    }
    return { ok: true, value };
  } catch (err) {
    if (err instanceof ConditionError) return { ok: false, message: err.message };
    throw err;
  }
}
