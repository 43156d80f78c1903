export {
  type AdvisoryBatch,
  type AdvisoryDistro,
  type AdvisoryEntry,
  type AdvisoryInput,
  type AdvisoryState,
  advisoryEntry,
  isDebDistro,
  latestDate,
} from './advisory.js';
export { type DecodedAdvisories, decodeAdvisories, isAdvisoryFileName } from './advisory-decode.js';
export {
  type LoadAdvisoryOptions,
  type LoadedSource,
  loadAdvisories,
  loadAdvisorySource,
  loadAdvisorySourceInfo,
} from './advisory-load.js';
export {
  type AdvisoryLimits,
  AdvisorySet,
  type AdvisorySourceInfo,
  compareIds,
  defaultAdvisoryLimits,
} from './advisory-set.js';
export { FALSE_POSITIVE_JUSTIFICATION, isAdvisoryYaml, parseAdvisoryYaml } from './advisory-yaml.js';
export { DEBIAN_RELEASES, isDebianTracker, parseDebianTracker, urgencySeverity } from './debian-tracker.js';
export { type DpkgInventory, dpkgStanzas, parseDpkgStatus, readDpkgStatus } from './dpkg-status.js';
export { compareDpkgVersions, type DpkgVersion, dpkgVersionProblem, parseDpkgVersion } from './dpkg-version.js';
export {
  type FindingFilter,
  filterFindings,
  findingsAtOrAbove,
  ignoreMatcher,
  type ScanSummary,
  summarize,
  unusedIgnores,
} from './filter.js';
export { type BlobGetter, type ImageFacts, readDockerArchiveImages, readImages } from './image-read.js';
export {
  alpineBranch,
  debianRelease,
  defaultAdvisorySources,
  distroAccepts,
  type Finding,
  type FindingState,
  inRange,
  type MatchResult,
  match,
  type Resolution,
  type ScanDistro,
  type ScanPackage,
  versionOrder,
} from './match.js';
export { type KeepFile, MergedTree } from './merged-tree.js';
export {
  ecosystemDistro,
  isOsvIndex,
  isOsvRecord,
  osvIndexIds,
  parseOsv,
  parseOsvRecord,
  recordSeverity,
  stateOfStatus,
} from './osv.js';
export { groupByVulnerability, type PackageVulnerability } from './package-groups.js';
export { publishSecdb, REPOSITORY_SECDB } from './publish.js';
export { advisoryUrl, packagePurl, reportJson, type ScanReport, STATE_WORDS } from './report.js';
export { reportOpenVex } from './report-openvex.js';
export { reportSarif } from './report-sarif.js';
export { reportTable, sourcesLine, summaryLine } from './report-table.js';
export { isScanFile, LayerStack, layerTar, MAX_SCAN_FILE } from './root-files.js';
export { normalizeRootPath, type RootLookup, type RootNode, resolveRootFile } from './root-path.js';
export { distroName, type ScanReportOptions, scanReport, whyNotScanned } from './scan.js';
export { isNakVersion, isSecdb, parseSecdb, secdbDistro, secdbGroups, secdbIds } from './secdb.js';
export { type SecdbOptions, writeSecdb } from './secdb-write.js';
export {
  bandOfScore,
  cvss2Score,
  cvss3Score,
  cvss4Score,
  maxSeverity,
  parseSeverity,
  SEVERITIES,
  type Severity,
  severityOfCvss,
  severityRank,
  severityScore,
} from './severity.js';
export {
  diskLookup,
  type ImageTarget,
  type PackageTarget,
  type ReadTargetOptions,
  type RootTarget,
  readScanTarget,
  type SbomTarget,
  type ScanTarget,
} from './target.js';
export { type ScanInput, sbomDistro, scanInput, targetInventory } from './target-inventory.js';
