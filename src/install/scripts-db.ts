import { BLOCK, encodeEntry, encodeHeader, readTar, tarEnd } from '../archive/index.js';
import { isLupineError, LupineError } from '../core/index.js';

/** The scriptlet kinds, in the order apk stores them for one package. */
export const SCRIPT_TYPES = [
  'pre-install',
  'post-install',
  'pre-deinstall',
  'post-deinstall',
  'pre-upgrade',
  'post-upgrade',
  'trigger',
] as const;
export type ScriptType = (typeof SCRIPT_TYPES)[number];

/** One entry of `lib/apk/db/scripts.tar`: `<name>-<ver>.<id>.<type>`. */
export interface ScriptEntry {
  /** `<name>-<version>` as in the entry name. */
  pkgver: string;
  /** Package identity as written (`Q1…` in 2.x, `X1<hex>` in 3.x). */
  identity: string;
  /** Script type; kept as written (apk ignores kinds it does not know). */
  type: string;
  data: Buffer;
  mode: number;
  uid: number;
  gid: number;
  mtime: number;
}

function malformed(message: string, cause?: unknown): LupineError {
  return new LupineError('DB_MALFORMED', `lib/apk/db/scripts.tar: ${message}`, {
    cause,
    hint: 'the scripts database is damaged; restore it from a backup',
  });
}

/** Splits an entry name at its last two dots: `<pkgver>.<identity>.<type>`. */
export function splitScriptName(name: string): { pkgver: string; identity: string; type: string } | undefined {
  const last = name.lastIndexOf('.');
  if (last <= 0) return undefined;
  const mid = name.lastIndexOf('.', last - 1);
  if (mid <= 0) return undefined;
  return { pkgver: name.slice(0, mid), identity: name.slice(mid + 1, last), type: name.slice(last + 1) };
}

export function scriptEntryName(e: Pick<ScriptEntry, 'pkgver' | 'identity' | 'type'>): string {
  return `${e.pkgver}.${e.identity}.${e.type}`;
}

/** Reads `scripts.tar` (apk's tar dialect, GNU long names), keeping the entry order. */
export function parseScriptsTar(bytes: Uint8Array): ScriptEntry[] {
  if (bytes.length === 0) return [];
  let items: ReturnType<typeof readTar>['items'];
  try {
    items = readTar(bytes).items;
  } catch (err) {
    if (isLupineError(err)) throw malformed(err.message, err);
    throw err;
  }
  return items.map(({ entry, data }) => {
    const parts = splitScriptName(entry.name);
    if (entry.type !== 'file' || !parts) throw malformed(`unexpected entry '${entry.name}'`);
    return { ...parts, data: Buffer.from(data), mode: entry.mode, uid: entry.uid, gid: entry.gid, mtime: entry.mtime };
  });
}

/** The GNU long-name block apk writes for names over 99 bytes. */
function longNameBlocks(name: Buffer, mtime: number): Buffer[] {
  const body = Buffer.concat([name, Buffer.alloc(1)]);
  const header = encodeHeader(
    {
      name: '././@LongLink',
      mode: 0,
      uid: 0,
      gid: 0,
      size: body.length,
      mtime,
      typeflag: 'L',
      linkname: '',
      uname: 'root',
      gname: 'root',
      devmajor: 0,
      devminor: 0,
      prefix: '',
    },
    'apk',
  );
  const r = body.length % BLOCK;
  return [header, body, Buffer.alloc(r === 0 ? 0 : BLOCK - r)];
}

/** Writes `scripts.tar` as apk does: apk headers, GNU long names over 99 bytes, exactly 2 zero blocks. */
export function formatScriptsTar(entries: readonly ScriptEntry[]): Buffer {
  const parts: Buffer[] = [];
  let n = 0;
  for (const e of entries) {
    const full = Buffer.from(scriptEntryName(e));
    const blocks: Buffer[] = [];
    let name = full.toString('utf8');
    if (full.length > 99) {
      blocks.push(...longNameBlocks(full, e.mtime));
      name = full
        .subarray(0, 99)
        .toString('utf8')
        .replace(/\uFFFD$/, '');
    }
    blocks.push(
      ...encodeEntry(
        {
          name,
          type: 'file',
          mode: e.mode,
          uid: e.uid,
          gid: e.gid,
          uname: 'root',
          gname: 'root',
          mtime: e.mtime,
          data: e.data,
        },
        { dialect: 'apk', longNames: 'gnu' },
      ),
    );
    for (const b of blocks) {
      parts.push(b);
      n += b.length;
    }
  }
  parts.push(tarEnd(n));
  return Buffer.concat(parts);
}

/** Orders one package's scripts as apk stores them. */
export function scriptRank(type: string): number {
  const i = (SCRIPT_TYPES as readonly string[]).indexOf(type);
  return i < 0 ? SCRIPT_TYPES.length : i;
}
