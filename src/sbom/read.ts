/**
 * Reading SBOMs back into a package list: SPDX 2.x JSON and CycloneDX JSON, as lupine, apko,
 * melange, syft and trivy write them. Only what a scanner needs is kept.
 */
import { LupineError } from '../core/index.js';
import { parsePurl, type Purl } from './purl.js';

export interface SbomPackage {
  readonly name: string;
  readonly version: string;
  /** '' when the package has no purl. */
  readonly purl: string;
  /** The purl type (`apk`, `oci`, `github`, `generic`, …); '' without a purl. */
  readonly purlType: string;
  /** The purl namespace (for apk: the distro, e.g. `wolfi`). */
  readonly namespace: string;
  /** From the purl's `arch` qualifier; '' when absent. */
  readonly arch: string;
  /** The origin package: purl `upstream`, else a trivy/syft/lupine origin property; '' when unknown. */
  readonly origin: string;
  /** The purl's `distro` qualifier; '' when absent. */
  readonly distro: string;
  /** Declared license (expression or name(s)); '' when none. */
  readonly license: string;
}

export interface SbomContents {
  readonly format: 'spdx' | 'cyclonedx';
  /** `SPDX-2.3`, `1.6`, … */
  readonly specVersion: string;
  readonly name: string;
  /** In document order. */
  readonly packages: SbomPackage[];
}

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

function malformed(
  message: string,
  hint = 'the file is not a complete SPDX 2.x or CycloneDX JSON document',
): LupineError {
  return new LupineError('SBOM_MALFORMED', message, { hint });
}

const ORIGIN_PROPERTIES = new Set(['lupine:apk:origin', 'aquasecurity:trivy:SrcName', 'syft:metadata:originPackage']);

function fromPurl(name: string, version: string, purlText: string, license: string, origin: string): SbomPackage {
  let purl: Purl | undefined;
  if (purlText !== '') {
    try {
      purl = parsePurl(purlText);
    } catch {
      purl = undefined;
    }
  }
  const q = purl?.qualifiers ?? {};
  return {
    name: name || purl?.name || '',
    version: version || purl?.version || '',
    purl: purlText,
    purlType: purl?.type ?? '',
    namespace: purl?.namespace ?? '',
    arch: q.arch ?? '',
    origin: q.upstream || origin,
    distro: q.distro ?? '',
    license: license === 'NOASSERTION' || license === 'NONE' ? '' : license,
  };
}

function readSpdx(doc: Json): SbomContents {
  if (!Array.isArray(doc.packages) && doc.packages !== undefined) throw malformed('SPDX packages is not a list');
  const packages: SbomPackage[] = [];
  for (const p of (doc.packages as unknown[] | undefined) ?? []) {
    if (!isObject(p)) throw malformed('an SPDX package is not an object');
    const refs = Array.isArray(p.externalRefs) ? p.externalRefs.filter(isObject) : [];
    const purl = str(refs.find((r) => r.referenceType === 'purl')?.referenceLocator);
    const declared = str(p.licenseDeclared);
    const license = declared && declared !== 'NOASSERTION' ? declared : str(p.licenseConcluded);
    const m = /\borigin package (\S+?)(?:,|$)/.exec(str(p.sourceInfo));
    packages.push(fromPurl(str(p.name), str(p.versionInfo), purl, license, m ? (m[1] as string) : ''));
  }
  return { format: 'spdx', specVersion: str(doc.spdxVersion), name: str(doc.name), packages };
}

function cdxLicense(v: unknown): string {
  if (!Array.isArray(v)) return '';
  const parts: string[] = [];
  for (const choice of v) {
    if (!isObject(choice)) continue;
    if (typeof choice.expression === 'string') parts.push(choice.expression);
    else if (isObject(choice.license)) parts.push(str(choice.license.id) || str(choice.license.name));
  }
  const nonEmpty = parts.filter((s) => s !== '');
  return nonEmpty.length > 1 ? nonEmpty.map((s) => (/\s/.test(s) ? `(${s})` : s)).join(' AND ') : (nonEmpty[0] ?? '');
}

function cdxComponents(list: unknown, out: SbomPackage[]): void {
  if (list === undefined) return;
  if (!Array.isArray(list)) throw malformed('CycloneDX components is not a list');
  for (const c of list) {
    if (!isObject(c)) throw malformed('a CycloneDX component is not an object');
    const props = Array.isArray(c.properties) ? c.properties.filter(isObject) : [];
    const origin = str(props.find((p) => ORIGIN_PROPERTIES.has(str(p.name)))?.value);
    out.push(fromPurl(str(c.name), str(c.version), str(c.purl), cdxLicense(c.licenses), origin));
    cdxComponents(c.components, out);
  }
}

function readCycloneDx(doc: Json): SbomContents {
  const packages: SbomPackage[] = [];
  cdxComponents(doc.components, packages);
  const meta = isObject(doc.metadata) ? doc.metadata : {};
  const root = isObject(meta.component) ? meta.component : {};
  return { format: 'cyclonedx', specVersion: str(doc.specVersion), name: str(root.name), packages };
}

/** Reads SPDX 2.x or CycloneDX JSON (text or parsed) into its package list. */
export function readSbom(input: unknown): SbomContents {
  let doc: unknown = input;
  if (typeof input === 'string') {
    try {
      doc = JSON.parse(input) as unknown;
    } catch (cause) {
      throw new LupineError('SBOM_MALFORMED', 'the SBOM is not JSON', {
        cause,
        hint: 'lupine reads SPDX 2.x and CycloneDX SBOMs in their JSON forms',
      });
    }
  }
  if (!isObject(doc)) throw malformed('the SBOM is not a JSON object');
  if (typeof doc.spdxVersion === 'string' && doc.spdxVersion.startsWith('SPDX-2')) return readSpdx(doc);
  if (doc.bomFormat === 'CycloneDX') return readCycloneDx(doc);
  throw new LupineError('SBOM_UNKNOWN_FORMAT', 'not an SPDX 2.x or CycloneDX JSON document', {
    details: { spdxVersion: doc.spdxVersion, bomFormat: doc.bomFormat },
    hint: 'lupine reads SPDX 2.x (spdxVersion "SPDX-2.x") and CycloneDX (bomFormat "CycloneDX") JSON',
  });
}
