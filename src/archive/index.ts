export { type GzipMember, type GzipOptions, gzipMember, readGzipMembers } from './gzip.js';
export { encodePax, type PaxRecord, parsePax } from './pax.js';
export { entryTypeOf, type TarEntry, type TarEntryType, typeflagOf } from './tar-entry.js';
export { BLOCK, decodeHeader, encodeHeader, type HeaderFields, paddingFor, type TarDialect } from './tar-header.js';
export { type ReadTarOptions, readTar, type TarItem, type TarReadResult } from './tar-reader.js';
export {
  defaultPaxHeaderName,
  encodeEntry,
  type TarWriteEntry,
  type TarWriteOptions,
  tarEnd,
  writeTar,
} from './tar-writer.js';
export { TarStreamReader, type TarStreamSink } from './tar-stream.js';
