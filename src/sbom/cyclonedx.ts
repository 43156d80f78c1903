/**
 * CycloneDX 1.6 JSON for an inventory. Deterministic: the serial number is a name-based UUID of the
 * subject's digest, the timestamp comes from the caller's clock, components and dependencies are
 * sorted by bom-ref.
 */
import { apkIdentitySha1 } from '../apk/index.js';
import {
  comparePlain,
  isSha256Hex,
  osDisplayName,
  packageSupplier,
  purlForPackage,
  resolvedDependencies,
  sortPackages,
} from './apk-facts.js';
import {
  checkInventory,
  type ImageInventory,
  type Inventory,
  type InventoryPackage,
  type OsInfo,
  subjectDigest,
} from './inventory.js';
import { checkLicenseExpression, parseLicenseExpression } from './license-expression.js';
import { knownLicenseId } from './license-list.js';
import { isoSeconds, nameUuid } from './name-uuid.js';
import { ociPurl } from './purl.js';
import { sourcePackageFacts } from './source-facts.js';
import type { SbomOptions } from './spdx.js';

export type CdxLicenseChoice =
  | readonly { readonly license: { readonly id: string } | { readonly name: string } }[]
  | readonly [{ readonly expression: string }];

export interface CdxComponent {
  readonly type: string;
  readonly 'bom-ref': string;
  readonly name: string;
  readonly version?: string;
  readonly description?: string;
  readonly scope?: 'required' | 'optional' | 'excluded';
  readonly supplier?: { readonly name: string; readonly contact?: readonly { readonly email: string }[] };
  readonly hashes?: readonly { readonly alg: string; readonly content: string }[];
  readonly licenses?: CdxLicenseChoice;
  readonly purl?: string;
  readonly externalReferences?: readonly { readonly type: string; readonly url: string; readonly comment?: string }[];
  readonly properties?: readonly { readonly name: string; readonly value: string }[];
}

export interface CycloneDxDocument {
  readonly bomFormat: 'CycloneDX';
  readonly specVersion: '1.6';
  readonly serialNumber: string;
  readonly version: 1;
  readonly metadata: {
    readonly timestamp: string;
    readonly tools: { readonly components: readonly CdxComponent[] };
    readonly component: CdxComponent;
    readonly supplier?: { readonly name: string };
  };
  readonly components: readonly CdxComponent[];
  readonly dependencies: readonly { readonly ref: string; readonly dependsOn: readonly string[] }[];
}

/**
 * CycloneDX `licenses` for an APK `L:` field: `license.id` for a single id on the shipped list,
 * `expression` for a valid compound expression, else `license.name` with the text as written.
 */
export function cyclonedxLicenses(raw: string): CdxLicenseChoice | undefined {
  const text = raw.trim();
  if (text === '' || text === 'NOASSERTION' || text === 'NONE') return undefined;
  const valid = checkLicenseExpression(text);
  if (valid !== undefined) {
    const tree = parseLicenseExpression(valid);
    if (tree?.kind === 'license' && !tree.plus && tree.exception === '') {
      return [{ license: { id: knownLicenseId(tree.id) as string } }];
    }
    return [{ expression: valid }];
  }
  return [{ license: { name: text } }];
}

function apkComponent(pkg: InventoryPackage, os: OsInfo, supplier: string | undefined, type: string): CdxComponent {
  const purl = purlForPackage(pkg, os);
  const hashes: { alg: string; content: string }[] = [];
  const sha1 = apkIdentitySha1(pkg.identity);
  if (sha1) hashes.push({ alg: 'SHA-1', content: sha1 });
  if (isSha256Hex(pkg.datahash)) hashes.push({ alg: 'SHA-256', content: pkg.datahash });
  const s = packageSupplier(pkg, os, supplier);
  const licenses = cyclonedxLicenses(pkg.license);
  const properties: { name: string; value: string }[] = [];
  if (pkg.origin !== '') properties.push({ name: 'lupine:apk:origin', value: pkg.origin });
  if (pkg.commit !== '') properties.push({ name: 'lupine:apk:commit', value: pkg.commit });
  return {
    type,
    'bom-ref': purl,
    name: pkg.name,
    version: pkg.version,
    ...(pkg.description ? { description: pkg.description } : {}),
    ...(s ? { supplier: { name: s.name, ...(s.email ? { contact: [{ email: s.email }] } : {}) } } : {}),
    ...(hashes.length > 0 ? { hashes } : {}),
    ...(licenses ? { licenses } : {}),
    purl,
    ...(/^https?:\/\/\S+$/.test(pkg.url) ? { externalReferences: [{ type: 'website', url: pkg.url }] } : {}),
    ...(properties.length > 0 ? { properties } : {}),
  };
}

function osComponent(os: OsInfo, supplier: string | undefined): CdxComponent {
  const name = supplier ?? osDisplayName(os);
  return {
    type: 'operating-system',
    'bom-ref': `os:${os.id}${os.versionId ? `@${os.versionId}` : ''}`,
    name: os.id,
    ...(os.versionId ? { version: os.versionId } : {}),
    ...(os.prettyName ? { description: os.prettyName } : {}),
    ...(name ? { supplier: { name } } : {}),
    ...(/^https?:\/\/\S+$/.test(os.homeUrl) ? { externalReferences: [{ type: 'website', url: os.homeUrl }] } : {}),
  };
}

function imageComponent(img: ImageInventory): CdxComponent {
  const purl = ociPurl({
    name: img.location.name,
    digest: img.digest,
    arch: img.platform.architecture,
    os: img.platform.os,
    mediaType: img.mediaType,
    repositoryUrl: img.location.repositoryUrl,
    ...(img.location.tag ? { tag: img.location.tag } : {}),
  });
  return {
    type: 'container',
    'bom-ref': purl,
    name: img.location.name,
    version: img.digest,
    hashes: [{ alg: 'SHA-256', content: img.digest.replace(/^sha256:/, '') }],
    purl,
  };
}

interface Parts {
  root: CdxComponent;
  components: CdxComponent[];
  dependencies: Map<string, string[]>;
}

function apkParts(root: CdxComponent, pkgs: readonly InventoryPackage[], os: OsInfo, supplier?: string): Parts {
  const sorted = sortPackages(pkgs);
  const comps = sorted.map((p) => apkComponent(p, os, supplier, 'library'));
  const seen = new Set<string>([root['bom-ref']]);
  const unique = comps.map((c) => {
    let ref = c['bom-ref'];
    for (let n = 2; seen.has(ref); n++) ref = `${c['bom-ref']}#${n}`;
    seen.add(ref);
    return ref === c['bom-ref'] ? c : { ...c, 'bom-ref': ref };
  });
  const osc = osComponent(os, supplier);
  const dependencies = new Map<string, string[]>();
  dependencies.set(root['bom-ref'], [osc['bom-ref'], ...unique.map((c) => c['bom-ref'])]);
  dependencies.set(osc['bom-ref'], []);
  resolvedDependencies(sorted).forEach((targets, i) => {
    dependencies.set(
      (unique[i] as CdxComponent)['bom-ref'],
      targets.map((t) => (unique[t] as CdxComponent)['bom-ref']),
    );
  });
  return { root, components: [osc, ...unique], dependencies };
}

function parts(inv: Inventory): Parts {
  if (inv.kind === 'image') return apkParts(imageComponent(inv), inv.packages, inv.os, inv.supplier);
  if (inv.kind === 'index') {
    const purl = ociPurl({
      name: inv.location.name,
      digest: inv.digest,
      mediaType: inv.mediaType,
      repositoryUrl: inv.location.repositoryUrl,
      ...(inv.location.tag ? { tag: inv.location.tag } : {}),
    });
    const root: CdxComponent = {
      type: 'container',
      'bom-ref': purl,
      name: inv.location.name,
      version: inv.digest,
      hashes: [{ alg: 'SHA-256', content: inv.digest.replace(/^sha256:/, '') }],
      purl,
    };
    const images = inv.images.map(imageComponent);
    const dependencies = new Map<string, string[]>([[purl, images.map((c) => c['bom-ref'])]]);
    for (const c of images) dependencies.set(c['bom-ref'], []);
    return { root, components: images, dependencies };
  }
  const root = apkComponent(inv.package, inv.os, inv.supplier, 'application');
  const upstream = inv.package.version.replace(/-r\d+$/, '');
  const sources = inv.sources.map((src): CdxComponent => {
    const f = sourcePackageFacts(src, upstream);
    const hash = f.checksum;
    return {
      type: 'file',
      'bom-ref': f.purl,
      name: f.name,
      version: f.version,
      scope: 'excluded',
      ...(hash ? { hashes: [{ alg: hash.algorithm.replace('SHA', 'SHA-'), content: hash.checksumValue }] } : {}),
      purl: f.purl,
      ...(f.downloadLocation !== 'NOASSERTION'
        ? { externalReferences: [{ type: src.kind === 'git' ? 'vcs' : 'distribution', url: f.downloadLocation }] }
        : {}),
    };
  });
  const refs = inv.recipe
    ? [
        {
          type: 'build-meta',
          url: sourcePackageFacts(
            { kind: 'git', repository: inv.recipe.repository, commit: inv.recipe.commit },
            '',
            inv.recipe.path,
          ).downloadLocation,
          comment: `build recipe ${inv.recipe.path}`,
        },
      ]
    : [];
  const withRecipe: CdxComponent =
    refs.length > 0 && refs[0]?.url !== 'NOASSERTION'
      ? { ...root, externalReferences: [...(root.externalReferences ?? []), ...refs] }
      : root;
  const dependencies = new Map<string, string[]>([[root['bom-ref'], []]]);
  return { root: withRecipe, components: sources, dependencies };
}

/** The serial number for an inventory: `urn:uuid:` + a name-based UUID of its kind and digest. */
export function cyclonedxSerial(inv: Inventory): string {
  return `urn:uuid:${nameUuid(`cyclonedx:${inv.kind}:${subjectDigest(inv)}`)}`;
}

/** CycloneDX 1.6 JSON (as a plain object; stringifySbom() writes it). */
export function toCycloneDx(inv: Inventory, opts: SbomOptions): CycloneDxDocument {
  checkInventory(inv);
  const { root, components, dependencies } = parts(inv);
  const byRef = (a: { 'bom-ref': string }, b: { 'bom-ref': string }): number =>
    comparePlain(a['bom-ref'], b['bom-ref']);
  const deps = [...dependencies.entries()]
    .map(([ref, on]) => ({ ref, dependsOn: [...new Set(on)].sort(comparePlain) }))
    .sort((a, b) => comparePlain(a.ref, b.ref));
  return {
    bomFormat: 'CycloneDX',
    specVersion: '1.6',
    serialNumber: cyclonedxSerial(inv),
    version: 1,
    metadata: {
      timestamp: isoSeconds(opts.created),
      tools: {
        components: [
          { type: 'application', 'bom-ref': `tool:${opts.toolName}`, name: opts.toolName, version: opts.toolVersion },
        ],
      },
      component: root,
      ...(opts.organization ? { supplier: { name: opts.organization } } : {}),
    },
    components: [...components].sort(byRef),
    dependencies: deps,
  };
}
