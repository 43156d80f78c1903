/**
 * The artifact store: an OCI registry (CNCF distribution, with the usual auth) through lupine's
 * registry client. A recipe's outputs are ONE artifact: a manifest tagged with the recipe's input
 * identity whose config lists the packages and whose layers are the `.apk` files, their SPDX SBOMs
 * (as melange embeds them, also as files of their own for readers of the store) and the build log. Blobs go first and the manifest last, so a tag exists only once everything it names is
 * there: no reader ever sees a half-pushed artifact. Input bundles are plain blobs, by digest.
 */
import { LupineError } from '../core/index.js';
import type { BuiltOutput } from '../distro/index.js';
import { type Digest, isDigest, type Reference, type RegistryClient } from '../oci/index.js';

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

  async getBlob(digest: string): Promise<Buffer> {
    if (!isDigest(digest)) throw new LupineError('CLUSTER_STORE_INVALID', `not a digest: ${digest}`);
    return this.#client.getBlob(this.#repo, digest as Digest);
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

  /** The outputs of `identity`, every blob checked against its digest; undefined when not stored. */
  async pullOutputs(identity: string): Promise<StoredOutputs | undefined> {
    const head = await this.#client.headManifest(this.#ref(identity));
    if (head === undefined) return undefined;
    const m = await this.#client.getManifest(this.#ref(identity), MANIFEST_TYPE);
    const doc = JSON.parse(m.bytes.toString('utf8')) as {
      artifactType?: string;
      config?: { mediaType?: string; digest?: string };
      layers?: ManifestLayer[];
    };
    if (doc.artifactType !== OUTPUTS_ARTIFACT_TYPE || doc.config?.digest === undefined) {
      throw new LupineError('CLUSTER_STORE_INVALID', `${this.where}:${identity} is not a lupine distro artifact`, {
        details: { identity },
        hint: 'use a repository of its own for the distro store',
      });
    }
    const config = JSON.parse((await this.getBlob(doc.config.digest)).toString('utf8')) as OutputsConfig;
    if (config.identity !== identity) {
      throw new LupineError('CLUSTER_STORE_INVALID', `${this.where}:${identity} holds outputs of ${config.identity}`);
    }
    const files = new Map<string, Buffer>();
    const wanted = (doc.layers ?? []).filter((l) => {
      const name = l.annotations?.[TITLE];
      return name !== undefined && !name.includes('/');
    });
    const blobs = await Promise.all(wanted.map((l) => this.getBlob(l.digest)));
    wanted.forEach((l, i) => {
      files.set(l.annotations?.[TITLE] as string, blobs[i] as Buffer);
    });
    for (const p of config.packages) {
      if (!files.has(p.file)) {
        throw new LupineError('CLUSTER_STORE_INVALID', `${this.where}:${identity} lacks ${p.file}`, {
          details: { identity, file: p.file },
        });
      }
    }
    return { config, files, manifest: m.digest };
  }
}
