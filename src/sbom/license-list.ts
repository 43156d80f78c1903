/**
 * The SPDX license-list identifiers, from the `spdx-license-ids` (licenses, current and deprecated)
 * and `spdx-exceptions` packages, so that every id of the list is kept as itself in SBOMs. An id that
 * is not in the list becomes a `LicenseRef-` (valid, if less precise).
 */
import { createRequire } from 'node:module';

/** The list version our SBOMs name in `creationInfo.licenseListVersion` (apko's golden names 3.27). */
export const LICENSE_LIST_VERSION = '3.28';

const load = createRequire(import.meta.url);

let licenses: ReadonlyMap<string, string> | undefined;
let exceptions: ReadonlyMap<string, string> | undefined;

function byLowerCase(ids: readonly string[]): ReadonlyMap<string, string> {
  return new Map(ids.map((id) => [id.toLowerCase(), id]));
}

/** Every license id of the list, current ones then deprecated ones. */
export function spdxLicenseIds(): readonly string[] {
  return [...(load('spdx-license-ids') as string[]), ...(load('spdx-license-ids/deprecated') as string[])];
}

/** Every license exception id of the list. */
export function spdxExceptionIds(): readonly string[] {
  return load('spdx-exceptions') as string[];
}

/** The canonical spelling of a known license id (ids match case-insensitively), or undefined. */
export function knownLicenseId(id: string): string | undefined {
  licenses ??= byLowerCase(spdxLicenseIds());
  return licenses.get(id.toLowerCase());
}

/** The canonical spelling of a known license exception id, or undefined. */
export function knownExceptionId(id: string): string | undefined {
  exceptions ??= byLowerCase(spdxExceptionIds());
  return exceptions.get(id.toLowerCase());
}
