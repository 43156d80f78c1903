/** What `lupine report` knows about one image: plain data, the input of the renderer and of `--json`. */
import type { AdvisorySourceInfo, Severity } from '../scan/index.js';
import { isoTime } from './html-text.js';

/** Vulnerability counts of one image (findings: package × vulnerability, as `lupine scan` counts them). */
export interface VulnerabilityCounts {
  readonly findings: number;
  /** Distinct vulnerabilities. */
  readonly vulnerabilities: number;
  /** Findings with a fix available. */
  readonly fixable: number;
  readonly bySeverity: Readonly<Record<Severity, number>>;
  /** The distinct vulnerability ids found (a CVE when one is known), sorted. */
  readonly ids: readonly string[];
}

/** How many installed packages declare a license (an SPDX id, or the `L:` text when it is not one). */
export interface LicenseCount {
  readonly license: string;
  /** Whether `license` is on the SPDX license list (or a LicenseRef). */
  readonly spdx: boolean;
  readonly packages: number;
}

/** The user a container runs as. */
export interface ImageUser {
  /** The config's `User` as written ('' when unset). */
  readonly configured: string;
  /** The user name (from etc/passwd when the config gives a number); '' when unknown. */
  readonly name: string;
  /** The numeric uid; '' when unknown. */
  readonly uid: string;
  /** Whether it runs as root (uid 0, or no user set). */
  readonly root: boolean;
}

export interface ImageReportFacts {
  /** The image as the user named it. */
  readonly name: string;
  /** The manifest digest. */
  readonly digest: string;
  /** `linux/amd64`, `linux/arm/v7`. */
  readonly platform: string;
  /** os-release PRETTY_NAME (else NAME and VERSION_ID, else ''). */
  readonly os: string;
  /** Manifest + config + layer blobs, in bytes. */
  readonly compressedSize: number;
  /** Regular files in the merged layers (whiteouts applied), in bytes. */
  readonly unpackedSize: number;
  readonly layers: number;
  /** Packages in the APK installed database and dpkg's (0 when there is none). */
  readonly packages: number;
  /** Shells found in the final tree (`/bin/sh`, …), in search order; empty when none. */
  readonly shells: readonly string[];
  readonly user: ImageUser;
  readonly entrypoint: readonly string[];
  readonly cmd: readonly string[];
  /** null when the image was not scanned (no advisory source given, or see `notScanned`). */
  readonly vulnerabilities: VulnerabilityCounts | null;
  /** Why it was not scanned (`no data for debian 12`); '' when it was, or when no source was given. */
  readonly notScanned: string;
  /** Most packages first, then by name. */
  readonly licenses: readonly LicenseCount[];
}

export interface ReportOptions {
  readonly title: string;
  /** Seconds since the epoch (from the clock). */
  readonly generatedAt: number;
  /** `lupine 0.1.0` in the footer; default `lupine`. */
  readonly tool?: string;
  /** The advisory sources the images were scanned against, named with their dates. */
  readonly sources?: readonly AdvisorySourceInfo[];
  /** The image the others are compared with (`--baseline`); default the first. */
  readonly baseline?: string;
}

/** `--json`: the facts with the report's title and time. Stable key order. */
export function reportFactsJson(facts: readonly ImageReportFacts[], options: ReportOptions): string {
  return `${JSON.stringify(
    {
      schema: 'lupine-report/1',
      title: options.title,
      generatedAt: isoTime(options.generatedAt),
      ...(options.baseline ? { baseline: options.baseline } : {}),
      sources: options.sources ?? [],
      images: facts,
    },
    null,
    2,
  )}\n`;
}
