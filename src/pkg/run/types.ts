/** The options and results of a package build (`lupine pkg build`) and its tests (`lupine pkg test`). */
import type { Logger } from '../../core/index.js';

export type RunnerKind = 'bubblewrap' | 'host';

/** Plain options: what the CLI flags say, and what the distro scheduler passes. */
export interface BuildRecipeOptions {
  /** apk architecture to build for (x86_64, aarch64, …). */
  readonly arch: string;
  /** Packages go to `<outDir>/<arch>/`, beside the index. */
  readonly outDir: string;
  /** Path of the RSA private key (PEM) packages and the index are signed with (RSA256). */
  readonly signingKey?: string;
  /** `bubblewrap` (hermetic, the default) or `host` (bootstrapping: the host's root, read-only). */
  readonly runner: RunnerKind;
  /** `-r`: repositories (local directories or URLs, `@tag` allowed) after the recipe's own. */
  readonly repositories: readonly string[];
  /** `-k`: public keys (`*.rsa.pub` files, directories of them, or URLs) after the recipe's own. */
  readonly keys: readonly string[];
  /** `--package-append`: more packages for the build guest. */
  readonly packageAppend?: readonly string[];
  /** Copied into the workspace (default: the recipe's directory). */
  readonly sourceDir?: string;
  readonly pipelineDirs?: readonly string[];
  /** melange's `--cache-dir`: mounted read-write at /var/cache/melange. */
  readonly cacheDir?: string;
  /**
   * The content-addressed source store (`<dir>/sha256/<hex>`, `<dir>/git/<commit>.bundle`) that `fetch`
   * and `git-checkout` sources resolve through before the build starts (default `<cacheDir>/sources`
   * when a cacheDir is given; none otherwise, and the guest fetches as melange does).
   */
  readonly sourceStoreDir?: string;
  /** Where fetched packages, expanded packages and guest roots live (default: `<tmpdir>/lupine-<euid>/pkg-cache`). */
  readonly packageCacheDir?: string;
  /** The largest single output file packed, in bytes; a larger one fails with LIMIT_EXCEEDED (default 1 GiB). */
  readonly maxOutputFileBytes?: number;
  /** The workspace (/home/build) to use and keep; default a temporary directory, removed afterwards. */
  readonly workspaceDir?: string;
  readonly envFile?: string;
  readonly varsFile?: string;
  readonly buildOptions?: readonly string[];
  /** The purl namespace and `.PKGINFO` maintainer (default `unknown`, as melange). */
  readonly namespace?: string;
  /** `--build-date`: an RFC 3339 date or Unix seconds; overrides `sourceDateEpoch`. */
  readonly buildDate?: string;
  /** SOURCE_DATE_EPOCH in seconds (default 0, as melange). */
  readonly sourceDateEpoch?: number;
  /** `--git-commit`: the commit recorded in `.PKGINFO` and the SBOM. */
  readonly gitCommit?: string;
  /** `--git-repo-url`: the recipe repository recorded in the SBOM. */
  readonly gitRepoUrl?: string;
  /** false cuts the network for the steps (default true, as melange). */
  readonly network?: boolean;
  /** Trace steps (`set -x`). */
  readonly debug?: boolean;
  /** Where the build log goes (default `<outDir>/logs/<arch>/<name>-<version>-r<epoch>.log`). */
  readonly logFile?: string;
  /** Accept unsigned repository indexes. */
  readonly allowUntrusted?: boolean;
  /**
   * melange's `--generate-provenance`: beside each package, `<name>-<ver>-r<N>.attest.tar.gz` holding
   * its SLSA provenance v1 in-toto statement (signed like a package when a key is given).
   */
  readonly generateProvenance?: boolean;
  /** The bwrap executable (default: found on the usual paths). */
  readonly bwrap?: string;
  readonly logger?: Logger;
  readonly signal?: AbortSignal;
}

/** One package written to the out-dir. */
export interface BuiltPackage {
  readonly name: string;
  /** `version-r<epoch>`. */
  readonly version: string;
  /** `Q1…`, as the index's `C:`. */
  readonly identity: string;
  readonly path: string;
  readonly size: number;
  readonly depends: readonly string[];
  readonly provides: readonly string[];
  /** The `.attest.tar.gz` beside the package (with `generateProvenance`). */
  readonly provenancePath?: string;
}

export interface BuildRecipeResult {
  /** The main package first, then the subpackages, in recipe order. */
  readonly packages: readonly BuiltPackage[];
  readonly logPath?: string;
  /** Set when the recipe is not built for this arch (`target-architecture`); nothing was built. */
  readonly skipped?: string;
  /** The build guest's locked packages (`name=version`); empty for the host runner. */
  readonly guest: readonly string[];
  /** Milliseconds the steps themselves took (the rest is lupine's overhead). */
  readonly stepMs: number;
}
