/**
 * The artifact store: an OCI registry (CNCF distribution, with the usual auth) through lupine's
 * registry client. A recipe's outputs are ONE artifact: a manifest tagged with the recipe's input
 * identity whose config lists the packages and whose layers are the `.apk` files, their SPDX SBOMs
 * (as melange embeds them, also as files of their own for readers of the store) and the build log. Blobs go first and the manifest last, so a tag exists only once everything it names is
 * there: no reader ever sees a half-pushed artifact. Input bundles are plain blobs, by digest.
 */
import { isLupineError, LupineError } from '../core/index.js';
import type { BuiltOutput } from '../distro/index.js';
import { type Digest, isDigest, type Reference, type RegistryClient } from '../oci/index.js';
import { checkFileName } from './job.js';

export const OUTPUTS_ARTIFACT_TYPE = 'application/vnd.lupine.distro.outputs.v1';
export const OUTPUTS_CONFIG_TYPE = 'application/vnd.lupine.distro.outputs.config.v1+json';
export const APK_LAYER_TYPE = 'application/vnd.lupine.apk';
export const LOG_LAYER_TYPE = 'text/plain; charset=utf-8';
export const SPDX_LAYER_TYPE = 'application/spdx+json';

const layerType = (file: string) =>
  file.endsWith('.apk') ? APK_LAYER_TYPE : file.endsWith('.spdx.json') ? SPDX_LAYER_TYPE : LOG_LAYER_TYPE;
const MANIFEST_TYPE = 'application/vnd.oci.image.manifest.v1+json';
const TITLE = 'org.opencontainers.image.title';

/** One file of an artifact. */
export interface StoredFile {
  readonly file: string;
  readonly bytes: Uint8Array;
}

/** The artifact's config: which recipe, built where, and its packages (files named by `file`). */
export interface OutputsConfig {
  readonly recipe: string;
  readonly identity: string;
  readonly arch: string;
  readonly worker: string;
  readonly packages: readonly (Omit<BuiltOutput, 'path'> & { readonly file: string })[];
  readonly log: string;
}

export interface StoredOutputs {
  readonly config: OutputsConfig;
  readonly files: ReadonlyMap<string, Buffer>;
  readonly manifest: Digest;
}

interface ManifestLayer {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
  readonly annotations?: Record<string, string>;
}

export class ArtifactStore {
  readonly #client: RegistryClient;
  readonly #repo: Reference;

  /** `repo`: the registry and repository (any tag or digest in it is ignored). */
  constructor(client: RegistryClient, repo: Reference) {
    this.#client = client;
    this.#repo = repo;
  }

  get where(): string {
    return `${this.#repo.registry}/${this.#repo.repository}`;
  }

  #ref(tag: string): Reference {
    return { registry: this.#repo.registry, repository: this.#repo.repository, tag };
  }

  /** Whether the outputs of `identity` are in the store (the manifest, hence everything, is there). */
  async has(identity: string): Promise<boolean> {
    return (await this.#client.headManifest(this.#ref(identity))) !== undefined;
  }

  async pushBlob(bytes: Uint8Array): Promise<Digest> {
    return (await this.#client.pushBlob(this.#repo, bytes)).digest;
  }

  /**
   * A blob, at most `maxBytes` (default LAYER_MAX): a size the registry declares above it is refused
   * before the download, and the body is counted as it streams in (a registry that lies about the
   * size cannot make the reader hold more).
   */
  async getBlob(digest: string, maxBytes = LAYER_MAX): Promise<Buffer> {
    if (!isDigest(digest)) throw new LupineError('CLUSTER_STORE_INVALID', `not a digest: ${digest}`);
    const declared = await this.#client.blobSize(this.#repo, digest as Digest);
    if (declared !== undefined && declared > maxBytes) {
      throw new LupineError(
        'CLUSTER_STORE_INVALID',
        `${this.where}: blob ${digest} declares ${declared} bytes, at most ${maxBytes} are read`,
        {
          details: { digest, declared, maxBytes },
          hint: 'the job names a blob that is not a lupine input: check who can write to Redis and the store',
        },
      );
    }
    return this.#client.getBlob(this.#repo, digest as Digest, { maxBytes });
  }

  /** Pushes the files, then the config, then the manifest under the identity's tag. */
  async pushOutputs(config: OutputsConfig, files: readonly StoredFile[]): Promise<Digest> {
    // Every blob at once (they are independent); the manifest, which makes them visible, last.
    const configBytes = Buffer.from(JSON.stringify(config));
    const [configDigest, ...digests] = await Promise.all([
      this.pushBlob(configBytes),
      ...files.map((f) => this.pushBlob(f.bytes)),
    ]);
    const layers: ManifestLayer[] = files.map((f, i) => ({
      mediaType: layerType(f.file),
      digest: digests[i] as string,
      size: f.bytes.length,
      annotations: { [TITLE]: f.file },
    }));
    const manifest = {
      schemaVersion: 2,
      mediaType: MANIFEST_TYPE,
      artifactType: OUTPUTS_ARTIFACT_TYPE,
      config: { mediaType: OUTPUTS_CONFIG_TYPE, digest: configDigest, size: configBytes.length },
      layers,
      annotations: { 'dev.lupine.distro.recipe': config.recipe, 'dev.lupine.distro.identity': config.identity },
    };
    return this.#client.putManifest(this.#ref(config.identity), Buffer.from(JSON.stringify(manifest)), MANIFEST_TYPE);
  }

  /**
   * The outputs of `identity` (only its packages with `packagesOnly`), every blob checked against
   * its digest and declared size; undefined when not stored. The registry is not trusted further than its digests: the manifest's media
   * types, sizes and file names and the config's fields are checked before anything is used.
   */
  async pullOutputs(identity: string, o: { packagesOnly?: boolean } = {}): Promise<StoredOutputs | undefined> {
    // One GET (no HEAD first): a missing tag is the registry's MANIFEST_UNKNOWN.
    const m = await this.#client.getManifest(this.#ref(identity), MANIFEST_TYPE).catch((err: unknown) => {
      if (isLupineError(err, 'OCI_MANIFEST_UNKNOWN')) return undefined;
      throw err;
    });
    if (m === undefined) return undefined;
    const bad = (what: string) =>
      new LupineError('CLUSTER_STORE_INVALID', `${this.where}:${identity}: ${what}`, {
        details: { identity },
        hint: 'use a repository of its own for the distro store; remove the tag if it was written by something else',
      });
    let doc: { artifactType?: unknown; mediaType?: unknown; config?: ManifestLayer; layers?: unknown };
    try {
      doc = JSON.parse(m.bytes.toString('utf8'));
    } catch {
      throw bad('the manifest is not JSON');
    }
    if (doc.artifactType !== OUTPUTS_ARTIFACT_TYPE || doc.mediaType !== MANIFEST_TYPE) {
      throw bad('not a lupine distro artifact');
    }
    const config = checkDescriptor(doc.config, [OUTPUTS_CONFIG_TYPE], CONFIG_MAX, bad);
    const layers = Array.isArray(doc.layers) ? doc.layers : [];
    if (layers.length > LAYERS_MAX) throw bad(`${layers.length} layers, at most ${LAYERS_MAX}`);
    const wanted = layers.map((l) => checkDescriptor(l, LAYER_TYPES, LAYER_MAX, bad, true));
    const names = wanted.map((l) => l.annotations?.[TITLE] as string);
    if (new Set(names).size !== names.length) throw bad('two layers have the same title');
    const total = wanted.reduce((n, l) => n + l.size, 0);
    if (total > ARTIFACT_MAX) throw bad(`the layers add up to ${total} bytes, at most ${ARTIFACT_MAX}`);
    // Whoever only places the packages (the coordinator, a worker's dependencies) skips SBOMs and
    // logs. The config and the layers are fetched side by side; the config is checked before use.
    const pulled = wanted.filter((l) => !o.packagesOnly || l.mediaType === APK_LAYER_TYPE);
    const [configBytes, ...blobs] = await Promise.all([config, ...pulled].map((l) => this.#blob(l, bad)));
    const cfg = checkConfig(configBytes as Buffer, identity, bad);
    const files = new Map<string, Buffer>();
    pulled.forEach((l, i) => {
      files.set(l.annotations?.[TITLE] as string, blobs[i] as Buffer);
    });
    for (const p of cfg.packages) {
      if (wanted[names.indexOf(p.file)]?.mediaType !== APK_LAYER_TYPE) throw bad(`lacks the package ${p.file}`);
    }
    return { config: cfg, files, manifest: m.digest };
  }

  async #blob(d: ManifestLayer, bad: (what: string) => LupineError): Promise<Buffer> {
    if (!isDigest(d.digest)) throw bad(`not a digest: ${d.digest}`);
    // The manifest declared (and checkDescriptor capped) the size: no more is read.
    const bytes = await this.#client.getBlob(this.#repo, d.digest as Digest, { maxBytes: d.size });
    if (bytes.length !== d.size) throw bad(`blob ${d.digest} is ${bytes.length} bytes, the manifest says ${d.size}`);
    return bytes;
  }
}

/** Limits on what a store artifact may declare (a store is shared: its content is checked). */
const CONFIG_MAX = 1024 * 1024;
const LAYER_MAX = 1024 * 1024 * 1024;
const ARTIFACT_MAX = 4 * 1024 * 1024 * 1024;
const LAYERS_MAX = 4096;
const LAYER_TYPES = [APK_LAYER_TYPE, SPDX_LAYER_TYPE, LOG_LAYER_TYPE];

function checkDescriptor(
  v: unknown,
  types: readonly string[],
  max: number,
  bad: (what: string) => LupineError,
  titled = false,
): ManifestLayer {
  const d = (v ?? {}) as Partial<ManifestLayer>;
  if (typeof d.mediaType !== 'string' || !types.includes(d.mediaType)) {
    throw bad(`unexpected media type ${JSON.stringify(String(d.mediaType).slice(0, 80))}`);
  }
  if (typeof d.digest !== 'string' || !isDigest(d.digest)) throw bad('a descriptor without a valid digest');
  if (!Number.isSafeInteger(d.size) || (d.size as number) < 0 || (d.size as number) > max) {
    throw bad(`${d.digest} declares ${String(d.size)} bytes (at most ${max})`);
  }
  if (titled) {
    try {
      checkFileName(d.annotations?.[TITLE], 'layer title');
    } catch {
      throw bad(`layer ${d.digest} has no valid title (one file name)`);
    }
  }
  return d as ManifestLayer;
}

function checkConfig(bytes: Buffer, identity: string, bad: (what: string) => LupineError): OutputsConfig {
  let c: Partial<OutputsConfig>;
  try {
    c = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw bad('the config is not JSON');
  }
  if (c.identity !== identity) throw bad(`it holds outputs of ${String(c.identity).slice(0, 80)}`);
  if (typeof c.recipe !== 'string' || typeof c.worker !== 'string' || typeof c.arch !== 'string') {
    throw bad('the config lacks recipe, worker or arch');
  }
  if (!Array.isArray(c.packages) || c.packages.length > LAYERS_MAX) throw bad('the config lists no packages');
  for (const p of c.packages) {
    try {
      checkFileName(p?.file);
      checkFileName(p?.name);
    } catch {
      throw bad('the config names a package file that is not one file name');
    }
    if (typeof p.version !== 'string' || typeof p.identity !== 'string') throw bad(`${p.file}: no version or identity`);
  }
  return c as OutputsConfig;
}
