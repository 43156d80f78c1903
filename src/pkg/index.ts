// build: melange config, pipelines, SCA and linters. Each owner adds their export lines here.

export { type ArchFacts, archFacts, BUILD_ARCHS, toBuildArch } from './config/arch.js';
export { type BumpOptions, type BumpResult, bumpRecipeText } from './config/bump.js';
export { bumpRecipeFile } from './config/bump-file.js';
export { type CompileOptions, type CompileResult, compileRecipe, OUT_DIR } from './config/compile.js';
export { DEFAULT_WORKDIR, stripComments } from './config/compile-steps.js';
export { type ConditionResult, evaluateCondition } from './config/condition.js';
export { parseDotenv } from './config/dotenv.js';
export { compiledToJson, compiledToPlain, compiledToYaml, type EmitOptions } from './config/emit.js';
export { BUILD_USER, DEFAULT_BUILD_ENV } from './config/guest.js';
export { MELANGE_CONFIG_SCHEMA_ID, melangeConfigJsonSchema } from './config/json-schema.js';
export {
  BUILTIN_PIPELINE_DIR,
  compileLoadedRecipe,
  type LoadedRecipe,
  type LoadRecipeOptions,
  loadRecipe,
  type ReadText,
} from './config/load.js';
export {
  BUILD_CONFIG_CODES,
  type ParsedPipelineFile,
  type ParsedRecipe,
  type ParseRecipeOptions,
  parsePipelineFile,
  parseRecipe,
} from './config/parse.js';
export { type PreparedRecipe, type PreparedSubpackage, type PrepareOptions, prepareRecipe } from './config/prepare.js';
export { MELANGE_CONFIG_SHAPE, PIPELINE_FILE_SHAPE } from './config/shape.js';
export { replaceKnown, type Substituted, substitute, type VarMap } from './config/substitute.js';
export type {
  CompiledPackage,
  CompiledRecipe,
  CompiledStep,
  CompiledTest,
  Copyright,
  Dependencies,
  GuestEnvironment,
  Origin,
  PackageOptions,
  PipelineFile,
  PipelineLibrary,
  RawMap,
  RecipeSource,
  Scriptlets,
  SetCap,
} from './config/types.js';
export { goRegExp, goReplaceAll } from './config/var-transforms.js';
export {
  assertLintPassed,
  defaultLintSelection,
  formatFinding,
  type LintChecks,
  type LintFinding,
  type LintInput,
  type LintReport,
  type LintSelection,
  linterNames,
  lintPackage,
  selectLinters,
} from './lint/lint.js';
export { buildRecipe, embeddedConfig } from './run/build-recipe.js';
export { checkArchRunnable, parseBuildDate } from './run/host-facts.js';
export { formatMelangePkgInfo, type MelangePkgInfo } from './run/melange-pkginfo.js';
export {
  type GuestPackageRef,
  PACKAGE_BUILD_TYPE,
  PACKAGE_BUILDER_ID,
  type PackageProvenanceInput,
  type ProvenanceSubject,
  packageStatement,
  provenanceFileName,
} from './run/provenance.js';
export { provenanceArchive, type ReadProvenance, readProvenanceArchive } from './run/provenance-archive.js';
export { type Compiled, compileForBuild, loadSigningKey } from './run/recipe-context.js';
export { collectSources } from './run/sbom.js';
export { capabilityXattr } from './run/setcap.js';
export { type TestBlockResult, type TestRecipeOptions, type TestRecipeResult, testRecipe } from './run/tests.js';
export type { BuildRecipeOptions, BuildRecipeResult, BuiltPackage, RunnerKind } from './run/types.js';
export {
  analyzePackage,
  type DeclaredDependencies,
  generateDependencies,
  mergeDependencies,
  removeSelfProvided,
} from './sca/analyze.js';
export {
  type ElfClass,
  type ElfEndian,
  type ElfInfo,
  type ElfSection,
  type ElfType,
  isElf,
  parseElf,
} from './sca/elf.js';
export { BIN_DIRS, PKGCONFIG_DIRS } from './sca/generators.js';
export { type GoBuildInfo, goFipsDepends, goSupportsLibcrypto4, readGoBuildInfo } from './sca/go-buildinfo.js';
export {
  type PackageTree,
  type PackageTreeEntry,
  type PackageTreeEntryType,
  treeFromEntries,
  treeFromPackageFiles,
} from './sca/package-tree.js';
export { type PkgConfigDependency, type PkgConfigFile, parsePkgConfig } from './sca/pkgconfig.js';
export type { ProviderContext, ProviderPackage } from './sca/provider-version.js';
export type { ScaInput, ScaOptions, ScaResult } from './sca/sca-types.js';
export { readShebang, type ShebangResult } from './sca/shebang.js';
export { LIB_DIRS, sonameLibver } from './sca/shlib.js';
export { type AptSource, systemApt } from './sources/apt.js';
export {
  type AptSourceFile,
  isRepacked,
  parsePrintUris,
  upstreamOfDebianVersion,
} from './sources/debian-version.js';
export {
  debianSourceOf,
  type FilledSource,
  type FillOptions,
  fillSourceStore,
  type OutdatedRecipe,
  outdatedRecipe,
} from './sources/fill.js';
export { gitBundlePath } from './sources/git-source.js';
export { recipeSources, type StoreSource } from './sources/resolve.js';
export { hashBytes, isChecksum, type SourceAlgorithm, SourceStore } from './sources/store.js';
