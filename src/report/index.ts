export { type CollectOptions, collectImageFacts } from './collect.js';
export { type BarChartSpec, type BarRow, type BarSegment, barChart } from './charts.js';
export {
  type ImageReportFacts,
  type ImageUser,
  type LicenseCount,
  type ReportOptions,
  reportFactsJson,
  type VulnerabilityCounts,
} from './facts.js';
export { escapeHtml, formatBytes, formatCount, isoTime, shortLabel } from './html-text.js';
export { type ImageSource, type OpenImageOptions, openImage } from './image-source.js';
export { LayerTree, SHELL_PATHS } from './layer-tree.js';
export { countLicenses, licenseIds } from './licenses.js';
export { renderReport, severityText, userText } from './render.js';
export { parsePasswd, resolveUser } from './user.js';
