/** Collects an SPDX document's packages, relationships and extracted licenses; sorts on finish. */
import { comparePlain } from './apk-facts.js';
import { LicenseRefs } from './license-expression.js';
import { SpdxIds } from './spdx-ids.js';
import type { SpdxPackage, SpdxRelationship } from './spdx-types.js';

export class SpdxBuilder {
  readonly ids = new SpdxIds();
  readonly licenses = new LicenseRefs();
  readonly #packages = new Map<string, SpdxPackage>();
  readonly #relationships = new Map<string, SpdxRelationship>();

  /** Adds a package; a package whose SPDXID is already present is dropped (first one wins). */
  addPackage(pkg: SpdxPackage): void {
    if (!this.#packages.has(pkg.SPDXID)) this.#packages.set(pkg.SPDXID, pkg);
  }

  hasPackage(id: string): boolean {
    return this.#packages.has(id);
  }

  getPackage(id: string): SpdxPackage | undefined {
    return this.#packages.get(id);
  }

  replacePackage(pkg: SpdxPackage): void {
    this.#packages.set(pkg.SPDXID, pkg);
  }

  relate(spdxElementId: string, relationshipType: string, relatedSpdxElement: string): void {
    const key = `${spdxElementId}\n${relationshipType}\n${relatedSpdxElement}`;
    if (!this.#relationships.has(key)) {
      this.#relationships.set(key, { spdxElementId, relationshipType, relatedSpdxElement });
    }
  }

  /** Packages by SPDXID; relationships by (element, type, related), keeping only those between known elements. */
  finish(): { packages: SpdxPackage[]; relationships: SpdxRelationship[] } {
    const packages = [...this.#packages.values()].sort((a, b) => comparePlain(a.SPDXID, b.SPDXID));
    const known = (id: string): boolean => id === 'SPDXRef-DOCUMENT' || this.#packages.has(id);
    const relationships = [...this.#relationships.values()]
      .filter((r) => known(r.spdxElementId) && known(r.relatedSpdxElement))
      .sort(
        (a, b) =>
          comparePlain(a.spdxElementId, b.spdxElementId) ||
          comparePlain(a.relationshipType, b.relationshipType) ||
          comparePlain(a.relatedSpdxElement, b.relatedSpdxElement),
      );
    return { packages, relationships };
  }
}
