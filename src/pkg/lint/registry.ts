import * as content from './content-linters.js';
import type { LintContext, LintDefault, Linter, LintProblem } from './lint-types.js';
import * as paths from './path-linters.js';

type Run = (ctx: LintContext) => Promise<LintProblem | undefined>;
const def = (name: string, run: Run, dflt: LintDefault, explain: string): Linter => ({
  name,
  run,
  default: dflt,
  explain,
});
const COMPAT = 'This package should be a -compat package';
const DOCS = 'Place documentation into a separate package or remove it';

/** melange's linters with their default behaviour and advice (pkg/linter/linter.go). */
export const LINTERS: readonly Linter[] = [
  def(
    'binaryarch',
    content.binaryarch,
    'warn',
    'This package contains binaries compiled for unsupported architectures (only aarch64/arm64 and amd64/x86_64 binaries are supported)',
  ),
  def(
    'cudaruntimelib',
    paths.cudaruntimelib,
    'warn',
    'CUDA driver-specific libraries should be passed into the container by the host. Installing them in an image could override the host libraries and break GPU support. If this library is needed for build-time linking or ldd-check tests, please use a package containing a stub library instead. For libcuda.so, use nvidia-cuda-cudart-$cuda_version. For libnvidia-ml.so, use nvidia-cuda-nvml-dev-$cuda_version.',
  ),
  def(
    'dev',
    paths.dev,
    'require',
    'If this package is creating /dev nodes, it should use udev instead; otherwise, remove any files in /dev',
  ),
  def('dll', paths.dll, 'warn', 'This package contains Windows libraries'),
  def('documentation', paths.documentation, 'ignore', DOCS),
  def(
    'duplicate',
    content.duplicate,
    'warn',
    'This package contains files with the same name and content in different directories (consider symlinking)',
  ),
  def('dylib', paths.dylib, 'warn', 'This package contains macOS libraries'),
  def(
    'empty',
    content.empty,
    'ignore',
    'Verify that this package is supposed to be empty; if it is, disable this linter; otherwise check the build',
  ),
  def('infodir', paths.infodir, 'require', 'Remove /usr/share/info/dir from the package (run split/infodir)'),
  def(
    'lddcheck',
    paths.lddcheck,
    'warn',
    'This package provides shared object files, please add the ldd-check test pipeline',
  ),
  def('libtool', paths.libtool, 'require', 'Remove libtool archives (.la files) in the build pipeline'),
  def('maninfo', paths.maninfo, 'warn', DOCS),
  def('nonlinux', paths.nonlinux, 'warn', 'This package contains references to non-Linux paths'),
  def('object', paths.object, 'warn', 'This package contains intermediate object files (.o files)'),
  def('opt', paths.opt, 'warn', COMPAT),
  def(
    'pkgconf',
    paths.pkgconf,
    'warn',
    'This package provides files in a pkgconfig directory, please add the pkgconf test pipeline',
  ),
  def('python/docs', content.pythonDocs, 'warn', 'Remove all docs directories from the package'),
  def(
    'python/multiple',
    content.pythonMultiple,
    'warn',
    'Split this package up into multiple packages and verify you are not improperly using pip install',
  ),
  def('python/test', content.pythonTest, 'warn', 'Remove all test directories from the package'),
  def('sbom', paths.sbom, 'warn', 'Remove any files in /var/lib/db/sbom from the package'),
  def(
    'setuidgid',
    content.setuidgid,
    'require',
    'Unset the setuid/setgid bit on the relevant files, or remove this linter',
  ),
  def('srv', paths.srv, 'warn', COMPAT),
  def('staticarchive', paths.staticarchive, 'warn', 'This package contains static archives (.a files)'),
  def('strip', content.strip, 'warn', 'Properly strip all binaries in the pipeline'),
  def('tempdir', paths.tempdir, 'require', 'Remove any offending files in temporary dirs in the pipeline'),
  def(
    'unsupportedarch',
    paths.unsupportedarch,
    'warn',
    'This package contains references to unsupported architectures (only aarch64/arm64 and amd64/x86_64 are supported)',
  ),
  def('usrlocal', paths.usrlocal, 'warn', COMPAT),
  def('usrmerge', paths.usrmerge, 'require', 'Move binary to /usr/bin'),
  def('varempty', paths.varempty, 'require', 'Remove any offending files in /var/empty in the pipeline'),
  def(
    'worldwrite',
    content.worldwrite,
    'require',
    'Change the permissions of any permissive files in the package, disable the linter, or make this a -compat package',
  ),
];

export const LINTER_BY_NAME: ReadonlyMap<string, Linter> = new Map(LINTERS.map((l) => [l.name, l]));
