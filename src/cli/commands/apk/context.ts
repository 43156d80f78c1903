/**
 * What `lupine apk` works on: repositories, the installed database and world. Loading and applying
 * sit behind two small interfaces:
 *   - `StateLoader.load()` gives repositories + installed state (test files here; a root on disk in
 *     `apk-root.ts`);
 *   - `ChangeApplier` applies a solved plan (`simulatedApplier` here; the installer in `apk-install.ts`).
 */
import { resolve } from 'node:path';
import { type Dependency, hostApkArch, type PackageInfo, parseDependencyList } from '../../../apk/index.js';
import { readInputFile } from '../../../core/index.js';
import type { InstalledPackage, TriggerEntry } from '../../../install/index.js';
import { parseApkIndexText } from '../../../repo/index.js';
import type { Change, RepositoryInput, ResolvedPackage } from '../../../resolver/index.js';
import type { CliIo } from '../../io.js';
import { type ApkArgs, has, last, values } from './args.js';

export interface ApkState {
  readonly repositories: RepositoryInput[];
  readonly installed: PackageInfo[];
  readonly installedTags: Record<string, string>;
  /** Installed packages marked broken (`f:` with f, s or x) that `apk fix` repairs by default. */
  readonly broken?: readonly string[];
  readonly world: Dependency[];
  /** Packages of another arch (except noarch) are not installable; '' when not configured. */
  readonly arch: string;
  /** The installed database's file lists and the triggers database (read when an applet asks). */
  readonly contents?: () => Promise<InstalledContents>;
  /** The apk-tools test build's state (`--test-*`): its installed database is always read. */
  readonly testMode?: boolean;
  /** The root directory (absent in the test build). */
  readonly root?: string;
}

/** What `info -L/-W/-t/--replaces` read: the installed records with their files, and the triggers. */
export interface InstalledContents {
  readonly records: readonly InstalledPackage[];
  readonly triggers: readonly TriggerEntry[];
}

/** Where repositories and the installed state come from. */
export interface StateLoader {
  load(args: ApkArgs, io: CliIo): Promise<ApkState>;
}

/** A solved change to commit: the ordered changes, the resulting installed set and the new world. */
export interface CommitPlan {
  readonly changes: readonly Change[];
  readonly installed: readonly ResolvedPackage[];
  readonly world: readonly Dependency[];
  /** Packages that exist only locally (`add ./x.apk`, `add -t` virtual packages). */
  readonly localPackages: readonly PackageInfo[];
}

/** Applies a changeset to a root. The simulated path uses `simulatedApplier`. */
export interface ChangeApplier {
  /** Checks that the plan can be applied at all (a writable root), before anything is printed. */
  prepare?(plan: CommitPlan): Promise<void>;
  /** Applies the whole plan (atomically for a real root); returns apk's error count, or a report. */
  apply(plan: CommitPlan): Promise<number | ApplyReport>;
}

/** What applying a plan left to say: apk's error count and, by package name, lines for its progress line. */
export interface ApplyReport {
  readonly errors: number;
  /** Package name → lines (with `ERROR: ` / `WARNING: `) printed on stderr right after that package's line. */
  readonly notes: ReadonlyMap<string, readonly string[]>;
}

export const simulatedApplier: ChangeApplier = { apply: async () => 0 };

const readText = (io: CliIo, file: string) => readInputFile(resolve(io.cwd, file), 'file', 'utf8');

/** The apk-tools test build's `--test-repo [!][TAG:]FILE`, `--test-instdb FILE`, `--test-world "…"`. */
export const testStateLoader: StateLoader = {
  async load(args, io) {
    const repositories: RepositoryInput[] = [];
    const noNetwork = has(args, 'no-network');
    for (let spec of values(args, 'test-repo')) {
      let cacheOnly = false;
      if (spec.startsWith('!')) {
        cacheOnly = true;
        spec = spec.slice(1);
      }
      const colon = spec.indexOf(':');
      const tag = colon >= 0 ? spec.slice(0, colon) : '';
      const file = colon >= 0 ? spec.slice(colon + 1) : spec;
      const packages = parseApkIndexText(await readText(io, file), file);
      repositories.push({ ...(tag ? { tag } : {}), packages, available: !noNetwork, cacheOnly, name: file });
    }
    const instdb = last(args, 'test-instdb');
    const { installedState } = await import('../../../install/index.js');
    const state = instdb === undefined ? undefined : installedState(await readText(io, instdb), instdb);
    const world = parseDependencyList(values(args, 'test-world').join(' '));
    const contents = async (): Promise<InstalledContents> => ({ records: state?.records ?? [], triggers: [] });
    return {
      repositories,
      installed: state?.packages ?? [],
      installedTags: state?.tags ?? {},
      broken: state?.broken ?? [],
      world,
      arch: last(args, 'arch') ?? '',
      contents,
      testMode: true,
    };
  },
};

/** `apk --print-arch`: --arch, else ROOT/etc/apk/arch, else the host's. */
export async function printArch(args: ApkArgs, io: CliIo): Promise<string> {
  const { configuredArch } = await import('./root.js');
  return (await configuredArch(args, io)) ?? hostApkArch(process.arch);
}
