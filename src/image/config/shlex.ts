/**
 * Splits a command line into words the way apko does (github.com/google/shlex): whitespace
 * separates words, single quotes are literal, a backslash escapes the next character outside
 * single quotes, and `#` at the start of a word begins a comment to the end of the line.
 */
export type ShlexResult =
  | { readonly ok: true; readonly words: string[] }
  | { readonly ok: false; readonly reason: string };

export function shlexSplit(input: string): ShlexResult {
  const words: string[] = [];
  let word: string | null = null;
  let i = 0;
  const isSpace = (c: string) => c === ' ' || c === '\t' || c === '\n' || c === '\r';
  while (i < input.length) {
    const c = input[i] as string;
    if (word === null) {
      if (isSpace(c)) {
        i++;
        continue;
      }
      if (c === '#') {
        while (i < input.length && input[i] !== '\n') i++;
        continue;
      }
      word = '';
    }
    if (isSpace(c)) {
      words.push(word);
      word = null;
      i++;
    } else if (c === '\\') {
      if (i + 1 >= input.length) return { ok: false, reason: 'the command ends with an unescaped backslash' };
      word += input[i + 1];
      i += 2;
    } else if (c === "'") {
      const end = input.indexOf("'", i + 1);
      if (end < 0) return { ok: false, reason: 'a single quote is never closed' };
      word += input.slice(i + 1, end);
      i = end + 1;
    } else if (c === '"') {
      i++;
      for (;;) {
        if (i >= input.length) return { ok: false, reason: 'a double quote is never closed' };
        const d = input[i] as string;
        if (d === '"') break;
        if (d === '\\') {
          if (i + 1 >= input.length) return { ok: false, reason: 'a double quote is never closed' };
          word += input[i + 1];
          i += 2;
        } else {
          word += d;
          i++;
        }
      }
      i++;
    } else {
      word += c;
      i++;
    }
  }
  if (word !== null) words.push(word);
  return { ok: true, words };
}
