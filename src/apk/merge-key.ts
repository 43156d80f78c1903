/**
 * The key apk-tools merges packages by when the same package is met twice (installed and in a
 * repository, or in two repositories): the identity's decoded bytes, so `Q1` base64 and `X1` hex
 * spellings of one digest are one package; name-version when there is no identity.
 */

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** The canonical identity key (`Q1…` with the unused base64 bits cleared, `Q1<hex>` for other shapes). */
export function identityKey(identity: string, name: string, version: string): string {
  const id = identity;
  if (id.length === 30 && id.startsWith('Q1') && id.endsWith('=')) {
    // 20 bytes in 28 base64 characters: the last data character carries 2 unused bits.
    const i = B64.indexOf(id[28] as string);
    return i < 0 ? id : `${id.slice(0, 28)}${B64[i & ~3]}`;
  }
  if (id.startsWith('Q1') || id.startsWith('Q2'))
    return `${id.slice(0, 2)}${Buffer.from(id.slice(2), 'base64').toString('hex')}`;
  if (id.startsWith('X1') || id.startsWith('X2')) return `Q${id.slice(1, 2)}${id.slice(2).toLowerCase()}`;
  if (id) return id;
  return `${name}-${version}`;
}

/**
 * A map key equal exactly when `identityKey` is, without building a new string for the common case
 * (a SHA-1 `Q1` identity already spelled canonically).
 */
export function packageMergeKey(identity: string, name: string, version: string): string {
  const id = identity;
  if (id.length === 30 && id.charCodeAt(0) === 81 && id.charCodeAt(1) === 49 && id.charCodeAt(29) === 61) {
    const i = B64.indexOf(id[28] as string);
    if (i >= 0 && (i & 3) === 0) return id;
    if (i >= 0) return `${id.slice(0, 28)}${B64[i & ~3]}=`;
  }
  return `#${identityKey(identity, name, version)}`;
}
