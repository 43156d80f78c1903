import type { Logger } from '../../core/index.js';
import type { PackageTree, TreeView } from './package-tree.js';
import type { ProviderContext } from './provider-version.js';

/** melange's `package.options` / `subpackages[].options`: what SCA may generate. */
export interface ScaOptions {
  readonly noProvides?: boolean;
  readonly noDepends?: boolean;
  readonly noCommands?: boolean;
  readonly noVersionedShlibDeps?: boolean;
}

export interface ScaInput {
  /** The package to analyze: name, full version (`1.2.3-r0`) and files. */
  readonly tree: PackageTree;
  /**
   * Every package of the build (the origin and its subpackages, in config order; this package
   * may be among them). Symlinked `.so` files are looked up here, as are `etc/ld.so.conf.d`
   * files. Default: just this package.
   */
  readonly related?: readonly PackageTree[];
  readonly options?: ScaOptions;
  /** The package's declared `dependencies.runtime` (python/ruby/perl depends are skipped when present). */
  readonly declaredRuntime?: readonly string[];
  /** Repository and build-guest state for versioned depends; without it none are generated. */
  readonly providers?: ProviderContext;
  readonly logger?: Logger;
}

/** What melange's sca.Analyze generates: sorted, de-duplicated, options applied. */
export interface ScaResult {
  readonly runtime: string[];
  readonly provides: string[];
  /** Libraries and .pc files outside the standard directories (`# vendored =` comments). */
  readonly vendored: string[];
}

/** @internal State shared by the generators. */
export interface ScaContext {
  readonly tree: TreeView;
  readonly related: readonly TreeView[];
  readonly options: ScaOptions;
  readonly declaredRuntime: readonly string[];
  readonly providers: ProviderContext | undefined;
  readonly logger: Logger;
}

/** @internal Unsorted accumulators. */
export interface ScaFindings {
  readonly runtime: string[];
  readonly provides: string[];
  readonly vendored: string[];
}
