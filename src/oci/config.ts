import {
  fields,
  type JsonFields,
  type JsonValue,
  optionalList,
  optionalMap,
  sortedObject,
  encodeJson,
} from './canonical-json.js';
import {
  asObject,
  type Descriptor,
  describe,
  invalid,
  type JsonObject,
  optString,
  optStringMap,
  optStrings,
  parseJsonObject,
  reqString,
} from './descriptors.js';
import { type Digest, isDigest } from './digest.js';
import { type MediaFlavor, MediaType } from './media-types.js';

/** The execution parameters of an image (`config` in the image config), Docker's capitalised names. */
export interface ContainerConfig {
  readonly Cmd?: readonly string[];
  readonly Entrypoint?: readonly string[];
  readonly Env?: readonly string[];
  readonly Labels?: Readonly<Record<string, string>>;
  readonly OnBuild?: readonly string[];
  readonly User?: string;
  /** Paths; written as `{"/path":{}}` sorted. */
  readonly Volumes?: readonly string[];
  readonly WorkingDir?: string;
  /** `80/tcp` style; written as `{"80/tcp":{}}` sorted. */
  readonly ExposedPorts?: readonly string[];
  readonly StopSignal?: string;
  readonly Shell?: readonly string[];
}

export interface HistoryEntry {
  readonly author?: string;
  readonly created?: string;
  readonly created_by?: string;
  readonly comment?: string;
  readonly empty_layer?: boolean;
}

/** An image config (image-spec config.md) with the fields apko and go-containerregistry write. */
export interface ImageConfig {
  readonly architecture: string;
  readonly author?: string;
  /** RFC 3339, e.g. `1970-01-01T00:00:00Z` (see `rfc3339`). */
  readonly created?: string;
  readonly history?: readonly HistoryEntry[];
  readonly os: string;
  readonly rootfs: { readonly type: 'layers'; readonly diff_ids: readonly Digest[] };
  readonly config: ContainerConfig;
  readonly 'os.version'?: string;
  readonly variant?: string;
  readonly 'os.features'?: readonly string[];
}

/** A time as Go's RFC3339Nano writes it: UTC, `Z`, no trailing zero fraction. */
export function rfc3339(date: Date): string {
  return date.toISOString().replace(/\.(\d*?)0*Z$/, (_m, frac: string) => (frac ? `.${frac}Z` : 'Z'));
}

function setOf(list: readonly string[] | undefined): JsonFields | undefined {
  if (!list || list.length === 0) return undefined;
  const rec: Record<string, null> = {};
  for (const k of list) rec[k] = null;
  return sortedObject(rec, () => fields());
}

function containerFields(c: ContainerConfig): JsonFields {
  // go-containerregistry v1.Config field order.
  return fields(
    ['Cmd', optionalList(c.Cmd)],
    ['Entrypoint', optionalList(c.Entrypoint)],
    ['Env', optionalList(c.Env)],
    ['Labels', optionalMap(c.Labels)],
    ['OnBuild', optionalList(c.OnBuild)],
    ['User', c.User || undefined],
    ['Volumes', setOf(c.Volumes)],
    ['WorkingDir', c.WorkingDir || undefined],
    ['ExposedPorts', setOf(c.ExposedPorts)],
    ['StopSignal', c.StopSignal || undefined],
    ['Shell', optionalList(c.Shell)],
  );
}

function historyFields(h: HistoryEntry): JsonFields {
  return fields(
    ['author', h.author || undefined],
    ['created', h.created || undefined],
    ['created_by', h.created_by || undefined],
    ['comment', h.comment || undefined],
    ['empty_layer', h.empty_layer || undefined],
  );
}

/** The canonical JSON value of an image config (go-containerregistry v1.ConfigFile field order). */
export function imageConfigFields(c: ImageConfig): JsonFields {
  return fields(
    ['architecture', c.architecture],
    ['author', c.author || undefined],
    ['created', c.created || undefined],
    ['history', c.history && c.history.length > 0 ? c.history.map(historyFields) : undefined],
    ['os', c.os],
    ['rootfs', fields(['type', c.rootfs.type], ['diff_ids', c.rootfs.diff_ids as readonly JsonValue[]])],
    ['config', containerFields(c.config)],
    ['os.version', c['os.version'] || undefined],
    ['variant', c.variant || undefined],
    ['os.features', optionalList(c['os.features'])],
  );
}

export interface BuiltBlob {
  readonly bytes: Buffer;
  readonly descriptor: Descriptor;
}

/** Canonical bytes and descriptor of an image config. */
export function buildImageConfig(c: ImageConfig, flavor: MediaFlavor = 'oci'): BuiltBlob {
  const bytes = encodeJson(imageConfigFields(c));
  return { bytes, descriptor: describe(bytes, flavor === 'docker' ? MediaType.dockerConfig : MediaType.ociConfig) };
}

function setKeys(o: JsonObject, key: string, what: string): string[] | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  return Object.keys(asObject(v, `${what}.${key}`));
}

function parseContainer(v: unknown): ContainerConfig {
  const what = 'image config "config"';
  if (v === undefined || v === null) return {};
  const o = asObject(v, what);
  const c: Record<string, unknown> = {
    Cmd: optStrings(o, 'Cmd', what),
    Entrypoint: optStrings(o, 'Entrypoint', what),
    Env: optStrings(o, 'Env', what),
    Labels: optStringMap(o, 'Labels', what),
    OnBuild: optStrings(o, 'OnBuild', what),
    User: optString(o, 'User', what),
    Volumes: setKeys(o, 'Volumes', what),
    WorkingDir: optString(o, 'WorkingDir', what),
    ExposedPorts: setKeys(o, 'ExposedPorts', what),
    StopSignal: optString(o, 'StopSignal', what),
    Shell: optStrings(o, 'Shell', what),
  };
  for (const k of Object.keys(c)) if (c[k] === undefined) delete c[k];
  return c as ContainerConfig;
}

/** Reads an image config; fields lupine does not model are dropped. */
export function parseImageConfig(bytes: Uint8Array): ImageConfig {
  const what = 'image config';
  const o = parseJsonObject(bytes, what);
  const rootfs = asObject(o.rootfs, `${what} rootfs`);
  const diffIds = rootfs.diff_ids ?? [];
  if (!Array.isArray(diffIds) || diffIds.some((d) => typeof d !== 'string' || !isDigest(d))) {
    throw invalid(what, '"rootfs.diff_ids" must be a list of sha256 digests');
  }
  if (rootfs.type !== 'layers') throw invalid(what, '"rootfs.type" must be "layers"');
  const history = o.history;
  if (history !== undefined && history !== null && !Array.isArray(history))
    throw invalid(what, '"history" must be a list');
  const c: Record<string, unknown> = {
    architecture: reqString(o, 'architecture', what),
    author: optString(o, 'author', what),
    created: optString(o, 'created', what),
    history: Array.isArray(history)
      ? history.map((h) => {
          const ho = asObject(h, `${what} history`);
          const e: Record<string, unknown> = {
            author: optString(ho, 'author', what),
            created: optString(ho, 'created', what),
            created_by: optString(ho, 'created_by', what),
            comment: optString(ho, 'comment', what),
            empty_layer: ho.empty_layer === true ? true : undefined,
          };
          for (const k of Object.keys(e)) if (e[k] === undefined) delete e[k];
          return e as HistoryEntry;
        })
      : undefined,
    os: reqString(o, 'os', what),
    rootfs: { type: 'layers', diff_ids: diffIds as Digest[] },
    config: parseContainer(o.config),
    'os.version': optString(o, 'os.version', what),
    variant: optString(o, 'variant', what),
    'os.features': optStrings(o, 'os.features', what),
  };
  for (const k of Object.keys(c)) if (c[k] === undefined) delete c[k];
  return c as unknown as ImageConfig;
}
