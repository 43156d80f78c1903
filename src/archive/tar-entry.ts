/** Kinds of tar entry lupine deals with. */
export type TarEntryType = 'file' | 'hardlink' | 'symlink' | 'chardev' | 'blockdev' | 'dir' | 'fifo';

/** A tar entry's metadata as read (after pax / GNU long-name records are applied). */
export interface TarEntry {
  name: string;
  type: TarEntryType;
  /** The raw typeflag character ('0', '5', …; '\0' reads as file). */
  typeflag: string;
  /** Permission bits masked with 07777. */
  mode: number;
  uid: number;
  gid: number;
  uname: string;
  gname: string;
  size: number;
  mtime: number;
  linkname: string;
  devmajor: number;
  devminor: number;
  /** Per-file pax records (values as UTF-8 strings; xattrs are also in `xattrs`). */
  pax: Record<string, string>;
  /** `SCHILY.xattr.<name>` records, raw bytes. */
  xattrs: Record<string, Buffer>;
}

export const typeflagOf: Record<TarEntryType, string> = {
  file: '0',
  hardlink: '1',
  symlink: '2',
  chardev: '3',
  blockdev: '4',
  dir: '5',
  fifo: '6',
};

export function entryTypeOf(flag: string): TarEntryType | undefined {
  switch (flag) {
    case '0':
    case '\0':
    case '7':
      return 'file';
    case '1':
      return 'hardlink';
    case '2':
      return 'symlink';
    case '3':
      return 'chardev';
    case '4':
      return 'blockdev';
    case '5':
      return 'dir';
    case '6':
      return 'fifo';
    default:
      return undefined;
  }
}
