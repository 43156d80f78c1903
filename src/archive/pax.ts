import { LupineError } from '../core/index.js';

/** One pax extended-header record: `LEN KEY=VALUE\n`, where LEN counts the whole record. */
export interface PaxRecord {
  readonly key: string;
  readonly value: Buffer;
}

/** Parses the body of a pax 'x' or 'g' header. */
export function parsePax(body: Uint8Array, offset: number): PaxRecord[] {
  const b = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const out: PaxRecord[] = [];
  let p = 0;
  while (p < b.length) {
    if (b[p] === 0) break; // trailing NUL padding some writers leave
    const sp = b.indexOf(0x20, p);
    if (sp < 0 || sp - p > 20) throw bad('pax record has no length', offset);
    const lenText = b.toString('latin1', p, sp);
    if (!/^\d+$/.test(lenText)) throw bad('pax record length is not a number', offset);
    const len = Number(lenText);
    const end = p + len;
    if (len < sp - p + 3 || end > b.length || b[end - 1] !== 0x0a) throw bad('pax record length is wrong', offset);
    const eq = b.indexOf(0x3d, sp + 1);
    if (eq < 0 || eq >= end) throw bad('pax record has no "="', offset);
    out.push({ key: b.toString('utf8', sp + 1, eq), value: Buffer.from(b.subarray(eq + 1, end - 1)) });
    p = end;
  }
  return out;
}

function bad(msg: string, offset: number): LupineError {
  return new LupineError('TAR_BAD_PAX', `${msg} (pax header at byte ${offset})`, {
    details: { offset },
    hint: 'the archive is damaged',
  });
}

/** Encodes pax records, each as `LEN KEY=VALUE\n` with the self-counting length. */
export function encodePax(records: readonly PaxRecord[]): Buffer {
  const parts: Buffer[] = [];
  for (const { key, value } of records) {
    const rest = Buffer.byteLength(key, 'utf8') + value.length + 3; // ' ' '=' '\n'
    let len = rest + String(rest).length;
    if (String(len).length !== String(rest).length) len = rest + String(len).length;
    parts.push(Buffer.concat([Buffer.from(`${len} ${key}=`, 'utf8'), value, Buffer.from('\n')]));
  }
  return Buffer.concat(parts);
}
