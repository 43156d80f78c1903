/**
 * The tool's name and version as it reports them (SBOM creators, provenance, `--version`, the distro
 * toolchain key). One place: test/unit/core/tool-version.test.ts keeps it equal to package.json's.
 */
export const TOOL_NAME = 'lupine';
export const TOOL_VERSION = '0.1.0';
