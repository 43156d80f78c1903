export { emptyPackageInfo, type PackageInfo } from './package-info.js';
