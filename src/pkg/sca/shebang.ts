/**
 * The interpreter a script's `#!` line names, as melange's getShbang reads it: only the first
 * 80 bytes are looked at; `/usr/bin/env prog` and `/usr/bin/env -S prog args…` name `prog`;
 * python, python3, sh, awk and luajit are ignored (nothing provides `cmd:` for them reliably).
 */
export type ShebangResult = { readonly interpreter: string } | { readonly error: string } | undefined;

const IGNORED = new Set(['python3', 'python', 'sh', 'awk', 'luajit']);

export function readShebang(content: Uint8Array): ShebangResult {
  const buf = content.subarray(0, 80);
  if (buf.length < 2 || buf[0] !== 0x23 || buf[1] !== 0x21) return undefined;
  let line = Buffer.from(buf.buffer, buf.byteOffset + 2, buf.length - 2).toString('utf8');
  const nl = line.indexOf('\n');
  if (nl >= 0) line = line.slice(0, nl);
  const toks = line.split(/\s+/u).filter((t) => t !== '');
  let bin = toks[0];
  if (bin === undefined) return undefined;
  if (bin === '/usr/bin/env') {
    if (toks.length === 1) return { error: "a shbang of only '/usr/bin/env'" };
    if (toks.length === 2) bin = toks[1] as string;
    else if (toks[1] === '-S' && !(toks[2] as string).startsWith('-')) bin = toks[2] as string;
    else
      return {
        error: `a shbang of only '/usr/bin/env' with multiple arguments (${toks.length} ${toks.join(' ')})`,
      };
  }
  if (IGNORED.has(bin.slice(bin.lastIndexOf('/') + 1))) return undefined;
  return { interpreter: bin };
}
