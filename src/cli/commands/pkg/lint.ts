import { basename, resolve } from 'node:path';
import { readPackage, readTree } from '../../../apk/index.js';
import { LupineError, statInput } from '../../../core/index.js';
import {
  formatFinding,
  type LintReport,
  lintPackage,
  type PackageTree,
  treeFromEntries,
  treeFromPackageFiles,
} from '../../../pkg/index.js';
import { commandHelp, parse } from '../../args.js';
import type { Command } from '../../command.js';
import { EXIT_FAIL, EXIT_OK } from '../../render.js';
import { readInput } from '../apk/files.js';

const HELP = `Usage: lupine pkg lint PATH... [--json] [--enable NAME]... [--disable NAME]... [--name NAME]

Runs melange's package linters over built .apk files or package directories (a melange-out/<pkg>
tree). Each finding names the linter, the package and the paths; required linters that find
something make the exit code 1, warnings are printed and do not.

Required by default: dev, infodir, libtool, setuidgid, tempdir, usrmerge, varempty, worldwrite.
Warnings by default: binaryarch, cudaruntimelib, dll, duplicate, dylib, lddcheck, maninfo,
nonlinux, object, opt, pkgconf, python/docs, python/multiple, python/test, sbom, srv,
staticarchive, strip, unsupportedarch, usrlocal. Off by default: documentation, empty.
(lddcheck and pkgconf look for test pipelines in the build config, which lint does not read:
they report any shared object or pkgconfig file.)
`;

const options = {
  json: { type: 'boolean', help: 'print one JSON object instead of text' },
  enable: {
    type: 'string',
    multiple: true,
    arg: 'NAME',
    help: 'also require this linter (repeatable; like checks.enabled)',
  },
  disable: {
    type: 'string',
    multiple: true,
    arg: 'NAME',
    help: 'downgrade this linter to a warning (repeatable; like checks.disabled)',
  },
  name: { type: 'string', arg: 'NAME', help: "the package name for a directory (default: the directory's name)" },
} as const;

async function loadTree(path: string, name: string | undefined): Promise<PackageTree> {
  if ((await statInput(path, 'package')).isDirectory())
    return treeFromEntries(name ?? basename(path), '', await readTree(path));
  const pkg = readPackage(await readInput(path), { source: path });
  return treeFromPackageFiles(name ?? pkg.info.name, pkg.info.version, pkg.files);
}

function reportText(path: string, tree: PackageTree, r: LintReport): string {
  const id = tree.version ? `${tree.name}-${tree.version}` : tree.name;
  const errors = r.findings.filter((f) => f.severity === 'error').length;
  const warnings = r.findings.length - errors;
  const lines = [`${path} (${id}):`];
  for (const f of r.findings) lines.push(formatFinding(f).trimEnd());
  lines.push(`${id}: ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}`);
  return `${lines.join('\n')}\n`;
}

export const pkgLintCommand: Command = {
  path: ['pkg', 'lint'],
  summary: "run melange's package linters over .apk files or package directories",
  help: commandHelp(HELP, options),
  options: options,
  async run(argv, io) {
    const { values, positionals } = parse(argv, options, 'pkg lint');
    if (positionals.length === 0)
      throw new LupineError('USAGE', 'pkg lint: expected at least one PATH', { hint: "see 'lupine pkg lint --help'" });
    const checks = { enabled: values.enable ?? [], disabled: values.disable ?? [] };
    const results: Array<{ path: string; tree: PackageTree; report: LintReport }> = [];
    for (const p of positionals) {
      const tree = await loadTree(resolve(io.cwd, p), values.name);
      results.push({ path: p, tree, report: await lintPackage({ tree, checks }) });
    }
    if (values.json) {
      const doc = results.map(({ path, tree, report }) => ({
        path,
        package: tree.name,
        version: tree.version,
        failed: report.failed,
        findings: report.findings,
      }));
      io.stdout.write(`${JSON.stringify({ results: doc }, null, 2)}\n`);
    } else {
      io.stdout.write(results.map(({ path, tree, report }) => reportText(path, tree, report)).join('\n'));
    }
    return results.some((r) => r.report.failed) ? EXIT_FAIL : EXIT_OK;
  },
};
