/**
 * The merged file tree of an image's layers as a report sees it: the scan module's merged tree
 * keeping a few small files (etc/passwd, etc/group), and the shells it holds.
 */
import { MergedTree, resolveRootFile } from '../scan/index.js';

/** Files whose content is kept (small, read by the report). */
const KEPT = new Set(['etc/passwd', 'etc/group']);
const MAX_KEPT_BYTES = 1 << 20;

/** Shells looked for, in this order. */
export const SHELL_PATHS: readonly string[] = [
  'bin/sh',
  'bin/bash',
  'bin/ash',
  'bin/dash',
  'bin/zsh',
  'bin/ksh',
  'bin/mksh',
  'usr/bin/sh',
  'usr/bin/bash',
  'usr/bin/ash',
  'usr/bin/dash',
  'usr/bin/zsh',
  'usr/bin/ksh',
  'usr/bin/mksh',
];

export class LayerTree extends MergedTree {
  constructor() {
    super((path, size) => KEPT.has(path) && size <= MAX_KEPT_BYTES);
  }

  /** Shells that resolve to a file through symlinks, as `/bin/sh`, in SHELL_PATHS order. */
  async shells(): Promise<string[]> {
    const found: string[] = [];
    for (const p of SHELL_PATHS) if ((await resolveRootFile(this.lookup(), p)) !== undefined) found.push(`/${p}`);
    return found;
  }
}
