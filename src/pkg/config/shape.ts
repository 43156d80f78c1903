/**
 * The shape of a melange recipe (melange.yaml) and of a pipeline file (`uses:` targets). The
 * decoder checks YAML against it and `json-schema.ts` turns it into
 * `schemas/melange-config.schema.json`. `environment` is apko's image configuration, shared with
 * the image module.
 */
import type { ObjectShape, Shape } from '../../core/index.js';
import { APKO_CONFIG_SHAPE } from '../../image/index.js';

type StringShape = Extract<Shape, { kind: 'string' }>;

/**
 * A Go string field. melange decodes with yaml.v3, which reads any scalar into a string field as
 * its source text: `tag-filter: 1.` is "1.", `version: 1.10` is "1.10", `jobs: 2` is "2".
 */
const str = (description: string, extra: Partial<StringShape> = {}): Shape => ({
  kind: 'string',
  description,
  anyScalar: true,
  ...extra,
});
const scalar = (description: string): Shape => str(description);
const bool = (description: string): Shape => ({ kind: 'boolean', description });
const strList = (description: string, item: string): Shape => ({ kind: 'list', description, items: str(item) });
const strMap = (description: string, value: string): Shape => ({ kind: 'map', description, values: scalar(value) });
const object = (
  name: string,
  description: string,
  fields: Record<string, Shape>,
  required?: readonly string[],
): ObjectShape => ({ kind: 'object', name, description, fields, ...(required ? { required } : {}) });

const UINT64_SAFE = Number.MAX_SAFE_INTEGER;

const input = object('Input', 'A declared input of a pipeline file', {
  description: str('Optional: what the input is for'),
  default: scalar('Optional: the value used when the caller does not pass one'),
  required: bool('Optional: the caller must pass a non-empty value (unless there is a default)'),
});

const needs = object('Needs', 'Packages a step needs in the build (or test) guest', {
  packages: strList('Packages merged into the guest environment at compile time', 'An apk package constraint'),
});

/** Pipeline step fields; `extra` adds keys a pipeline file may carry (`description`). */
function stepShape(name: string, description: string, extra: Record<string, Shape>): ObjectShape {
  const fields: Record<string, Shape> = {
    name: str('Optional: a label for the step, shown in logs'),
    uses: str('A pipeline file to run, by name without .yaml: looked up in --pipeline-dir, then the built-ins'),
    with: strMap('Inputs passed to the `uses` pipeline (each must be one of its declared inputs)', 'An input value'),
    runs: str('A shell script run with /bin/sh -c (set -e); exclusive with `uses`'),
    if: str(`A condition: ==, != on quoted literals and \${{…}} values, with &&, || and parentheses`),
    'working-directory': str('The directory the step runs in (default /home/build; relative paths resolve against it)'),
    environment: strMap('Environment variables for this step and its children', 'The value of the variable'),
    needs,
    inputs: { kind: 'map', description: 'Pipeline files only: the inputs the pipeline accepts', values: input },
    label: str('Optional: a label for the step'),
    assertions: object('PipelineAssertions', 'Checks on how the nested steps ran', {
      'required-steps': {
        kind: 'integer',
        description: 'How many nested steps must actually run (after `if` conditions)',
        minimum: 0,
        maximum: 1_000_000,
      },
    }),
    ...extra,
  };
  const shape = object(name, description, fields);
  fields.pipeline = {
    kind: 'list',
    description: 'Nested steps; they inherit working-directory, environment and inputs',
    items: shape,
  };
  return shape;
}

export const PIPELINE_STEP_SHAPE = stepShape(
  'Pipeline',
  'One build or test step: `runs` a script or `uses` a pipeline file',
  {},
);

const dependencies = object('Dependencies', 'Relations of the package to other packages', {
  runtime: strList('Packages this package depends on at runtime', 'An apk dependency'),
  provides: strList('Names (name=version) this package provides', 'A provided name'),
  replaces: strList('Packages whose files this package may overwrite', 'A package name'),
  'provider-priority': scalar('An integer: which provider of a shared name apk prefers'),
  'replaces-priority': scalar('An integer: which package wins a file conflict under replaces'),
});

const packageOptions = object('PackageOption', 'Switches that tune the automatic dependency analysis', {
  'no-provides': bool('A virtual package: provide nothing'),
  'no-depends': bool('A self-contained package: depend on nothing'),
  'no-commands': bool('Do not provide cmd: names for executables'),
  'no-versioned-shlib-deps': bool('Do not add so-ver: versioned shared library dependencies'),
});

const scriptlets = object('Scriptlets', 'Scripts apk runs on install, upgrade and removal (each with a shebang)', {
  trigger: object('Trigger', 'A script apk runs when files change under the given paths', {
    script: str('The trigger script'),
    paths: strList('Directories (globs) that fire the trigger', 'A path'),
  }),
  'pre-install': str('Run before the package is installed'),
  'post-install': str('Run after the package is installed'),
  'pre-deinstall': str('Run before the package is removed'),
  'post-deinstall': str('Run after the package is removed'),
  'pre-upgrade': str('Run before the package is upgraded'),
  'post-upgrade': str('Run after the package is upgraded'),
});

const checks = object('Checks', 'Linter configuration', {
  enabled: strList('Linters to enable that are off by default', 'A linter name'),
  disabled: strList('Linters to turn into warnings (or off)', 'A linter name'),
});

const setcap = object(
  'Capability',
  'File capabilities written as the security.capability xattr',
  {
    path: str('Required: the file in the package'),
    add: strMap('capability list (cap_x,cap_y) → flags (+eip)', 'The flags'),
    reason: str('Required: why the file needs these capabilities'),
  },
  ['path', 'reason'],
);

const testShape = object('Test', 'Tests run in a fresh guest holding the package under test', {
  environment: { ...APKO_CONFIG_SHAPE, description: 'The test guest (apko image configuration)' },
  pipeline: { kind: 'list', description: 'The test steps', items: PIPELINE_STEP_SHAPE },
});

const resources = (name: string, what: string): ObjectShape =>
  object(name, `Resources for the ${what} (only the QEMU runner enforces them)`, {
    cpu: scalar('CPUs'),
    cpumodel: scalar('The CPU model'),
    memory: scalar('Memory, e.g. 4Gi'),
    disk: scalar('Disk, e.g. 16Gi'),
  });

const common = {
  description: str('A human-readable description'),
  url: str("The project's homepage"),
  commit: str('The git commit of the recipe'),
  annotations: strMap('Free-form annotations', 'The annotation value'),
  dependencies,
  options: packageOptions,
  scriptlets,
  checks,
  setcap: { kind: 'list', description: 'File capabilities to set', items: setcap } as Shape,
  pipeline: { kind: 'list', description: 'The steps that produce the package', items: PIPELINE_STEP_SHAPE } as Shape,
  test: testShape,
};

const packageShape = object(
  'Package',
  'The main package',
  {
    name: str('Required: the package name ([a-zA-Z0-9][a-zA-Z0-9+_.-]*)'),
    version: scalar('Required: the version (apk syntax: 1.2.3, 1.2_rc1, 1.2.3_p4; no hyphens)'),
    epoch: {
      kind: 'integer',
      description: 'The package release: the full version is <version>-r<epoch>',
      minimum: 0,
      maximum: UINT64_SAFE,
    },
    description: common.description,
    url: common.url,
    commit: common.commit,
    annotations: common.annotations,
    'target-architecture': strList('apk architectures to build for (empty: all)', 'An apk architecture'),
    copyright: {
      kind: 'list',
      description: 'Licenses of the package',
      items: object(
        'Copyright',
        'One license of the package',
        {
          license: str('Required: an SPDX license (others become LicenseRef-…)'),
          paths: strList('Files the license covers (globs; default *)', 'A glob'),
          attestation: str('Copyright attestation text (default NOASSERTION)'),
          'license-path': str('Path to the text of a custom license'),
          'detection-override': str('The license to record instead of the detected one'),
        },
        ['license'],
      ),
    },
    dependencies,
    options: packageOptions,
    scriptlets,
    checks,
    cpe: object('CPE', 'CPE fields for vulnerability matching', {
      part: str('a (application) or o (operating system)', { enum: ['a', 'o'] }),
      vendor: str('The vendor'),
      product: str('The product'),
      edition: str('The edition'),
      language: str('The language'),
      sw_edition: str('The software edition'),
      target_sw: str('The target software'),
      target_hw: str('The target hardware'),
      other: str('Other'),
    }),
    setcap: common.setcap,
    timeout: scalar('How long the build may take (a Go duration such as 2h, or seconds)'),
    resources: resources('Resources', 'build'),
    'test-resources': resources('TestResources', 'tests'),
  },
  ['name', 'version'],
);

const subpackage = object(
  'Subpackage',
  'Another package built from the same recipe, after the main pipeline',
  {
    name: str(`Required: the subpackage name (may use \${{range.key}})`),
    if: str('A condition; the subpackage is dropped when it is false'),
    range: str('The name of a `data` entry: one copy per item, in key order, exposing range.key and range.value'),
    ...common,
  },
  ['name'],
);

const monitor = (name: string, description: string, fields: Record<string, Shape>): ObjectShape =>
  object(name, description, {
    'strip-prefix': str('A prefix to remove from upstream versions'),
    'strip-suffix': str('A suffix to remove from upstream versions'),
    ...fields,
  });

const tagFilters = {
  'tag-filter': str('Deprecated: a prefix tags must have'),
  'tag-filter-prefix': str('A prefix tags must have'),
  'tag-filter-contains': str('A string tags must contain'),
};

const update = object('Update', 'How the package is updated automatically', {
  enabled: bool('Whether automatic updates are on'),
  manual: bool('Updates need a human'),
  shared: bool('The version is shared with other recipes'),
  'require-sequential': bool('Update one version at a time'),
  'ignore-regex-patterns': strList('Upstream versions to ignore', 'A regular expression'),
  'version-separator': str('The separator in upstream versions'),
  'exclude-reason': str('Why updates are disabled'),
  'enable-prerelease-tags': bool('Consider pre-release tags'),
  schedule: object('Schedule', 'Update on a schedule rather than on each release', {
    period: str('daily, weekly or monthly'),
    reason: str('Why the schedule is needed'),
  }),
  'version-transform': {
    kind: 'list',
    description: 'Regular-expression rewrites of upstream versions',
    items: object('VersionTransform', 'One rewrite', {
      match: str('A regular expression'),
      replace: str('The replacement'),
    }),
  },
  'release-monitor': monitor('ReleaseMonitor', 'release-monitoring.org as the version source', {
    identifier: scalar('Required: the project id'),
    'version-filter-contains': str('A string versions must contain'),
    'version-filter-prefix': str('A prefix versions must have'),
  }),
  github: monitor('GitHubMonitor', 'GitHub releases or tags as the version source', {
    identifier: str('Required: owner/repository'),
    ...tagFilters,
    'use-tag': bool('Use tags instead of releases'),
  }),
  git: monitor('GitMonitor', 'Tags of the git-checkout repository as the version source', tagFilters),
  oci: monitor('OCIMonitor', 'Tags of an OCI repository as the version source', {
    identifier: str('Required: the repository'),
    ...tagFilters,
  }),
  version_data: monitor('VersionDataMonitor', 'A version data feed as the version source', {
    identifier: str('The feed identifier'),
    ...tagFilters,
  }),
});

export const MELANGE_CONFIG_SHAPE: ObjectShape = object(
  'Configuration',
  'A melange build recipe (melange.yaml)',
  {
    package: packageShape,
    environment: { ...APKO_CONFIG_SHAPE, description: 'The build guest (apko image configuration)' },
    capabilities: object('Capabilities', 'Linux capabilities for the runner', {
      add: strList('Capabilities to add', 'A capability (CAP_X)'),
      drop: strList('Capabilities to drop', 'A capability (CAP_X)'),
    }),
    pipeline: {
      kind: 'list',
      description: 'The steps that build the main package (may be empty)',
      items: PIPELINE_STEP_SHAPE,
    },
    subpackages: { kind: 'list', description: 'More packages built after the main pipeline', items: subpackage },
    data: {
      kind: 'list',
      description: 'Named maps that `range` subpackages iterate over',
      items: object(
        'RangeData',
        'One named map',
        { name: str('Required: the name `range` refers to'), items: strMap('key → value', 'The value') },
        ['name', 'items'],
      ),
    },
    vars: strMap(`Variables available as \${{vars.name}} (--vars-file adds more)`, 'The value'),
    'var-transforms': {
      kind: 'list',
      description: 'Derived variables: a regular-expression rewrite of a value, stored as vars.<to>',
      items: object(
        'VarTransforms',
        'One derived variable',
        {
          from: str(`Required: the value to transform (usually \${{package.version}})`),
          match: str('Required: an RE2 regular expression'),
          replace: str('Required: the replacement, with $1 (or $name, braces allowed) group references'),
          to: str('Required: the name of the new variable (vars.<to>)'),
        },
        ['from', 'match', 'replace', 'to'],
      ),
    },
    options: {
      kind: 'map',
      description: 'Build variants enabled with --build-option',
      values: object('MelangeBuildOption', 'A named deviation of the build', {
        vars: strMap('Variables to set', 'The value'),
        environment: object('MelangeEnvironmentOption', 'Changes to the environment', {
          contents: object('MelangeContentsOption', 'Changes to contents', {
            packages: object('MelangeListOption', 'Packages to add and remove', {
              add: strList('Packages to add', 'A package'),
              remove: strList('Packages to remove', 'A package'),
            }),
          }),
        }),
      }),
    },
    update,
    test: testShape,
  },
  ['package'],
);

/** A `uses:` target: a step plus a description, inputs and needs at the top. */
export const PIPELINE_FILE_SHAPE: ObjectShape = stepShape('PipelineFile', 'A reusable pipeline file', {
  description: str('What the pipeline does'),
});
