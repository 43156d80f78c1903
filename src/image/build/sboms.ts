/**
 * The image's SBOMs: per arch and for the index, SPDX 2.3 and/or CycloneDX 1.6, listing every
 * installed package (from the installed database, with each package's embedded SBOM when it ships
 * one). Namespaces and serials derive from the digests, the time from the build date.
 */
import { readRootText } from '../../core/index.js';
import {
  embeddedSbomPaths,
  type ImageIndexInventory,
  type ImageInventory,
  type InstalledInventory,
  inventoryFromInstalled,
  type OciLocation,
  stringifySbom,
  toCycloneDx,
  toSpdx,
} from '../../sbom/index.js';
import type { SbomFile, SbomFormat } from './types.js';

/** A file of the root, confined to it; undefined when missing or unreadable. */
function optional(root: string, path: string): string | undefined {
  try {
    return readRootText(root, path);
  } catch {
    return undefined;
  }
}

/** Reads what the SBOM needs from an assembled root (before it is removed). */
export async function rootInventory(
  root: string,
  packages: readonly { name: string; version: string }[],
): Promise<InstalledInventory> {
  const db = optional(root, 'usr/lib/apk/db/installed') ?? '';
  let osRelease: string | undefined;
  for (const p of ['etc/os-release', 'usr/lib/os-release']) {
    osRelease = optional(root, p);
    if (osRelease !== undefined) break;
  }
  const embeddedSboms: Record<string, string> = {};
  for (const p of packages) {
    for (const path of embeddedSbomPaths(p.name, p.version)) {
      const text = optional(root, path);
      if (text !== undefined) embeddedSboms[path] = text;
    }
  }
  return inventoryFromInstalled(db, osRelease, { embeddedSboms });
}

/** `registry/repo/name:tag` → the purl location. */
export function locationOf(tag: string): OciLocation {
  const slash = tag.lastIndexOf('/');
  const colon = tag.lastIndexOf(':');
  const ref = colon > slash ? tag.slice(0, colon) : tag;
  const t = colon > slash ? tag.slice(colon + 1) : undefined;
  const name = ref.slice(ref.lastIndexOf('/') + 1) || 'image';
  return { name, repositoryUrl: ref.includes('/') ? ref : '', ...(t ? { tag: t } : {}) };
}

export interface SbomInput {
  readonly formats: readonly SbomFormat[];
  readonly created: number;
  readonly toolVersion: string;
  readonly images: readonly { readonly subject: string; readonly inventory: ImageInventory }[];
  readonly index: ImageIndexInventory;
}

export function renderSboms(input: SbomInput): SbomFile[] {
  const out: SbomFile[] = [];
  const opts = { created: input.created, toolName: 'lupine', toolVersion: input.toolVersion };
  const one = (subject: string, inv: ImageInventory | ImageIndexInventory) => {
    for (const f of input.formats) {
      const doc = f === 'spdx' ? toSpdx(inv, opts) : toCycloneDx(inv, opts);
      out.push({
        name: `sbom-${subject}.${f === 'spdx' ? 'spdx' : 'cdx'}.json`,
        format: f,
        subject,
        bytes: Buffer.from(stringifySbom(doc)),
      });
    }
  };
  for (const img of input.images) one(img.subject, img.inventory);
  one('index', input.index);
  return out;
}
