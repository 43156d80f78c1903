/**
 * The SPDX 2.3 document melange puts in every package at `var/lib/db/sbom/<name>-<ver>-r<N>.spdx.json`:
 * the package (purl, license), the sources its `fetch` and `git-checkout` steps named (with their
 * checksums and commits), and the recipe. Pure.
 */
import {
  type PackageInventory,
  type PackageRecipe,
  type PackageSource,
  stringifySbom,
  toSpdx,
} from '../../sbom/index.js';
import type { CompiledStep } from '../config/types.js';

/** The sources named by `fetch` and `git-checkout` steps (nested steps included), in step order. */
export function collectSources(steps: readonly CompiledStep[], out: PackageSource[] = []): PackageSource[] {
  for (const s of steps) {
    const w = s.with ?? {};
    if (s.uses === 'fetch' && w.uri) {
      const checksum = w['expected-sha256']
        ? `sha256:${w['expected-sha256']}`
        : w['expected-sha512']
          ? `sha512:${w['expected-sha512']}`
          : '';
      out.push({ kind: 'fetch', uri: w.uri, checksum });
    } else if (s.uses === 'git-checkout' && w.repository) {
      out.push({
        kind: 'git',
        repository: w.repository,
        commit: w['expected-commit'] ?? '',
        ...(w.tag ? { tag: w.tag } : {}),
      });
    } else if (s.pipeline) {
      collectSources(s.pipeline, out);
    }
  }
  return out;
}

export interface PackageSbomInput {
  readonly name: string;
  readonly version: string;
  readonly arch: string;
  readonly origin: string;
  /** SPDX expression (copyright licenses joined with AND); '' when none. */
  readonly license: string;
  readonly namespace: string;
  readonly description: string;
  readonly url: string;
  readonly commit: string;
  readonly depends: readonly string[];
  readonly provides: readonly string[];
  readonly sources: readonly PackageSource[];
  readonly recipe?: PackageRecipe;
  /** SOURCE_DATE_EPOCH. */
  readonly created: number;
  readonly toolVersion: string;
}

export function sbomPath(name: string, version: string): string {
  return `var/lib/db/sbom/${name}-${version}.spdx.json`;
}

/** The SBOM text (stable JSON). The package's own identity and datahash cannot be in it: it is inside them. */
export function packageSbom(i: PackageSbomInput): string {
  const inv: PackageInventory = {
    kind: 'package',
    package: {
      name: i.name,
      version: i.version,
      arch: i.arch,
      origin: i.origin,
      license: i.license,
      identity: '',
      datahash: '',
      maintainer: i.namespace,
      url: i.url,
      description: i.description,
      commit: i.commit,
      depends: i.depends,
      provides: i.provides,
    },
    os: { id: i.namespace, versionId: '', name: i.namespace, prettyName: i.namespace, homeUrl: '' },
    sources: i.sources,
    ...(i.recipe ? { recipe: i.recipe } : {}),
    supplier: i.namespace,
  };
  const doc = toSpdx(inv, {
    created: i.created,
    toolName: 'lupine',
    toolVersion: i.toolVersion,
    organization: i.namespace,
  });
  return stringifySbom(doc);
}
