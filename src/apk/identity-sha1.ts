/** The hex SHA-1 inside an apk identity (the index's `C:` field, `Q1<base64 sha1>`). */

/** `Q1<base64 sha1>` → lower-case hex sha1; undefined for another form (`Q2…`, a wrong length). */
export function apkIdentitySha1(identity: string): string | undefined {
  if (!identity.startsWith('Q1')) return undefined;
  const raw = Buffer.from(identity.slice(2), 'base64');
  return raw.length === 20 ? raw.toString('hex') : undefined;
}
