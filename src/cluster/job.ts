import { createHash } from 'node:crypto';
import type { RecipeNode } from '../distro/index.js';

/** What travels through Redis: job data and results (plain JSON, never a key or a credential). */

/** The BullMQ queue every coordinator and worker of one cluster share. */
export const QUEUE_NAME = 'lupine-distro';

/** One recipe to build. */
export interface RecipeJobData {
  readonly name: string;
  readonly arch: string;
  /** The recipe's input identity: the store tag its outputs get. */
  readonly identity: string;
  /** The store (`registry/repository`) the outputs go to: a worker serving another store refuses the job. */
  readonly store: string;
  /** The recipe file's name inside the input bundle (`foo.yaml`). */
  readonly file: string;
  /** The recipe as the coordinator compiled it (its `file` rewritten by the worker): no second compile. */
  readonly node: Omit<RecipeNode, 'file'>;
  /**
   * The input bundle (recipe, its folder, the tree's pipelines): inline (base64) when small, else
   * the digest of the blob in the store (Redis stays small, the store takes the weight).
   */
  readonly inputs: { readonly inline: string } | { readonly digest: string };
  /** Store tags (identities) of every recipe it builds against, transitively. */
  readonly needs: readonly { readonly name: string; readonly identity: string }[];
  readonly test: boolean;
  readonly sourceDateEpoch?: number;
}

/** What `updateProgress` carries: the worker's name, and a log line when there is one. */
export interface RecipeJobProgress {
  readonly worker: string;
  readonly line?: string;
}

export interface RecipeJobResult {
  readonly worker: string;
  /** The store manifest's digest. */
  readonly manifest: string;
}

/** Bundles up to this size travel in the job itself: one store round trip less per recipe. */
export const INLINE_INPUTS_MAX = 256 * 1024;

/**
 * A job's id: the same recipe inputs for the same store are one job, whoever enqueues them. (BullMQ
 * job ids may not contain ':' nor be integers.)
 */
export const jobIdFor = (store: string, identity: string) =>
  `recipe-${createHash('sha256').update(`${store}\n${identity}`).digest('hex')}`;
