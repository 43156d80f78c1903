/**
 * The `.attest.tar.gz` melange writes beside each package with `--generate-provenance`: one gzip
 * member holding a tar fragment (no end marker) with `<name>-<ver>-r<N>.attestation`, the in-toto
 * statement, owned by root with mtime SOURCE_DATE_EPOCH; when a key is given, an apk signature
 * member over that member comes first, exactly as a package's signature covers its control member.
 * Pure.
 */
import {
  packageSignatureMember,
  parseSignatureName,
  rootFileMember,
  type SignatureAlgorithm,
  type SigningKey,
} from '../../apk/index.js';
import { readGzipMembers, readTar } from '../../archive/index.js';
import { LupineError } from '../../core/index.js';
import { type InTotoStatement, parseStatement } from '../../sign/index.js';

/**
 * The `.attest.tar.gz` bytes: [signature member], then one gzip member holding a tar fragment with
 * `<label>.attestation` (owned by root, mtime SOURCE_DATE_EPOCH).
 */
export function provenanceArchive(
  label: string,
  statement: Uint8Array,
  mtime: number,
  signingKey?: SigningKey,
): Buffer {
  const member = rootFileMember(`${label}.attestation`, Buffer.from(statement), mtime);
  return signingKey ? Buffer.concat([packageSignatureMember(member, signingKey, mtime), member]) : member;
}

export interface ReadProvenance {
  /** The entry's name (`<name>-<ver>-r<N>.attestation`). */
  readonly name: string;
  readonly text: Buffer;
  readonly statement: InTotoStatement;
  readonly signature?: {
    readonly algorithm: SignatureAlgorithm;
    readonly keyName: string;
    readonly signature: Buffer;
    /** The bytes the signature covers (the attestation's gzip member). */
    readonly signed: Buffer;
  };
}

function badArchive(problem: string): LupineError {
  return new LupineError('SIGN_BAD_PAYLOAD', `provenance archive: ${problem}`, {
    details: { problem },
    hint: "expected a melange-style .attest.tar.gz from 'lupine pkg build --generate-provenance'",
  });
}

/** Reads an `.attest.tar.gz` (shape, not trust: check `signature` against a key). */
export function readProvenanceArchive(bytes: Uint8Array): ReadProvenance {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const members = readGzipMembers(buf, undefined, 2);
  const items = (i: number) => {
    const m = members[i];
    return m ? readTar(m.data, { mode: 'fragment' }).items : [];
  };
  const first = items(0)[0];
  const sig = first ? parseSignatureName(first.entry.name) : undefined;
  let signature: ReadProvenance['signature'];
  if (first && sig) {
    const next = members[1];
    if (!next) throw badArchive('a signature with nothing after it');
    signature = { ...sig, signature: first.data, signed: buf.subarray(next.start, next.end) };
  }
  const found = items(signature ? 1 : 0).find((x) => x.entry.name.endsWith('.attestation'));
  if (!found) throw badArchive('no .attestation entry');
  return {
    name: found.entry.name,
    text: found.data,
    statement: parseStatement(found.data),
    ...(signature ? { signature } : {}),
  };
}
