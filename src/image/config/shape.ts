/**
 * The shape of apko.yaml (see core's `config-shape.ts`). The decoder checks YAML against it, and
 * `json-schema.ts` turns it into `schemas/apko-config.schema.json`.
 */
import type { ObjectShape, Shape } from '../../core/index.js';

export type { ObjectShape, Shape } from '../../core/index.js';

const UINT32_MAX = 4294967295;

const str = (description: string, extra: Partial<Extract<Shape, { kind: 'string' }>> = {}): Shape => ({
  kind: 'string',
  description,
  ...extra,
});
const uint = (description: string): Shape => ({ kind: 'integer', description, minimum: 0, maximum: UINT32_MAX });
const strList = (description: string, item: string): Shape => ({ kind: 'list', description, items: str(item) });

/** OCI and apk architecture names apko accepts, plus `all`. */
export const ARCH_NAMES: readonly string[] = [
  '386',
  'amd64',
  'arm64',
  'arm/v6',
  'arm/v7',
  'loong64',
  'ppc64le',
  'riscv64',
  's390x',
  'x86',
  'x86_64',
  'aarch64',
  'armhf',
  'armv7',
  'loongarch64',
  'all',
];

export const PATH_TYPES: readonly string[] = ['directory', 'empty-file', 'hardlink', 'symlink', 'permissions'];

const namedContent = (name: string, description: string, what: string): Shape => ({
  kind: 'object',
  name,
  description,
  required: ['name', 'content'],
  fields: {
    name: str(`Required: the name of the ${what}`),
    content: str(`Required: the PEM-encoded ${what}`),
  },
});

const entrypoint: Shape = {
  kind: 'object',
  name: 'ImageEntrypoint',
  description: 'The entrypoint of the container image (OCI Entrypoint)',
  fields: {
    type: str('Optional: the type of entrypoint; only "service-bundle" (s6 supervising `services`) is supported', {
      enum: ['service-bundle'],
    }),
    command: str('The entrypoint command, split like a shell command line (shlex) into the OCI Entrypoint'),
    'shell-fragment': str('A shell fragment; the Entrypoint becomes ["/bin/sh", "-c", fragment]'),
    services: {
      kind: 'map',
      description: 'For type service-bundle: service name → command, written to /sv/<name>/run',
      values: str('The command s6 runs for this service', { anyScalar: true }),
    },
  },
};

const repositories = (description: string): Shape =>
  strList(description, 'A repository URL or path, optionally `@tag url`');

export const APKO_CONFIG_SHAPE: ObjectShape = {
  kind: 'object',
  name: 'ImageConfiguration',
  description: 'An apko image configuration (apko.yaml)',
  fields: {
    contents: {
      kind: 'object',
      name: 'ImageContents',
      description: 'The apk packages in the container image, and where they come from',
      fields: {
        repositories: repositories(
          'Repositories used at build time and written to /etc/apk/repositories in the image (trailing / trimmed)',
        ),
        build_repositories: repositories('Repositories used at build time only; never written to the image'),
        runtime_repositories: repositories(
          'Repositories written to /etc/apk/repositories in the image but not used at build time',
        ),
        keyring: {
          kind: 'list',
          description: 'Public keys that verify the repositories: URLs or paths, or inline {name, content} keys',
          items: {
            kind: 'either',
            description: 'A key URL or path, or an inline key',
            scalar: str('The URL or path of a public key; installed as /etc/apk/keys/<basename>'),
            mapping: namedContent('KeyEntry', 'An inline public key', 'public key'),
          },
        },
        runtime_keyring: {
          kind: 'list',
          description: 'Public keys installed into /etc/apk/keys after resolution; never used to verify the build',
          items: namedContent('RuntimeKeyringEntry', 'An inline public key for runtime use', 'public key'),
        },
        packages: strList(
          'Packages to install: name, name=version, name>version, name~version, name@tag, or !name to exclude',
          'An apk package constraint',
        ),
        baseimage: {
          kind: 'object',
          name: 'BaseImageDescriptor',
          description: 'Experimental: a base image to build on top of (needs a lock file)',
          required: ['image', 'apkindex'],
          fields: {
            image: str('Required: path to the base image OCI layout (local only)'),
            apkindex: str('Required: directory holding <arch>/APKINDEX for the packages installed in the base image'),
          },
        },
      },
    },
    entrypoint,
    cmd: str('The command of the container image (OCI Cmd), split like a shell command line'),
    'stop-signal': str('The signal that stops the container (OCI StopSignal), e.g. SIGTERM', { anyScalar: true }),
    'work-dir': str('The working directory of the container (OCI WorkingDir)'),
    accounts: {
      kind: 'object',
      name: 'ImageAccounts',
      description: 'Users and groups to create in the image, and the user the container runs as',
      fields: {
        'run-as': str(
          'The user the container runs as: a username (rewritten to its UID) or a UID; unset runs as root',
          {
            anyScalar: true,
          },
        ),
        users: {
          kind: 'list',
          description: 'Users appended to /etc/passwd (and a locked /etc/shadow entry)',
          items: {
            kind: 'object',
            name: 'User',
            description: 'A user account',
            required: ['username', 'uid'],
            fields: {
              username: str('Required: the name of the user'),
              uid: uint('Required: the user ID (not 0; to run as root use run-as: 0)'),
              gid: uint("Optional: the user's primary group ID (default: the uid)"),
              shell: str("Optional: the user's shell (default /bin/sh)"),
              homedir: str("Optional: the user's home directory (default /home/<username>)"),
            },
          },
        },
        groups: {
          kind: 'list',
          description: 'Groups appended to /etc/group',
          items: {
            kind: 'object',
            name: 'Group',
            description: 'A group',
            required: ['groupname'],
            fields: {
              groupname: str('Required: the name of the group'),
              gid: uint('The group ID'),
              members: strList('Usernames that are members of the group', 'A username'),
            },
          },
        },
      },
    },
    archs: {
      kind: 'list',
      description:
        'CPU architectures to build for: OCI names (386 amd64 arm64 arm/v6 arm/v7 loong64 ppc64le riscv64 s390x), apk names (x86 x86_64 aarch64 armhf armv7 loongarch64) or all',
      items: str('An architecture name', { anyScalar: true, enum: ARCH_NAMES, enumCode: 'IMAGE_CONFIG_BAD_ARCH' }),
    },
    environment: {
      kind: 'map',
      description: 'Environment variables of the image; PATH and SSL_CERT_FILE get apko defaults when unset',
      values: str('The value of the variable', { anyScalar: true }),
    },
    paths: {
      kind: 'list',
      description: 'Filesystem mutations applied after packages are installed',
      items: {
        kind: 'object',
        name: 'PathMutation',
        description: 'One path mutation',
        required: ['path', 'type'],
        fields: {
          path: str('Required: the path in the image to create or change'),
          type: str('Required: directory, empty-file, hardlink, symlink or permissions', {
            enum: PATH_TYPES,
            enumCode: 'IMAGE_CONFIG_BAD_PATH',
          }),
          uid: uint('The owner user ID to set (with only gid given, uid is 0)'),
          gid: uint('The owner group ID to set (with only uid given, gid is 0)'),
          permissions: {
            kind: 'integer',
            description:
              'Mode bits, written in octal as 0o755 (755 is decimal); default 0o755 for directories, 0o644 for empty files',
            minimum: 0,
            maximum: 0o7777,
            mode: true,
          },
          source: str('For hardlink and symlink: the path the link points to'),
          recursive: { kind: 'boolean', description: 'For directory and permissions: apply to everything below too' },
        },
      },
    },
    'vcs-url': str('The source repository as url@commit; becomes the image source/revision annotations'),
    annotations: {
      kind: 'map',
      description: 'Annotations of the image manifests and index, also copied into the config Labels',
      values: str('The annotation value', { anyScalar: true }),
    },
    include: str('Deprecated in apko: a local config file to merge under this one (this file wins)'),
    volumes: strList('OCI Volumes of the image (not the same as paths)', 'A volume path'),
    layering: {
      kind: 'object',
      name: 'Layering',
      description: 'Opt-in multi-layer output; `layering: {}` means a single layer',
      fields: {
        strategy: str('The layering strategy; only "origin" (group packages by origin) is defined', {
          enum: ['origin'],
        }),
        budget: {
          kind: 'integer',
          description: 'The number of layers to use (10 recommended)',
          minimum: 1,
          maximum: 127,
        },
      },
    },
    format: str('The layer format: tar (default) or erofs[+zstd|lz4|lz4hc|deflate[,level=N]] (experimental)'),
    certificates: {
      kind: 'object',
      name: 'ImageCertificates',
      description: 'Extra CA certificates to install and append to the certificate bundles',
      fields: {
        additional: {
          kind: 'list',
          description: 'Certificates installed under /usr/local/share/ca-certificates and appended to the bundles',
          items: namedContent(
            'AdditionalCertificateEntry',
            'An additional CA certificate',
            'certificate (exactly one)',
          ),
        },
        providers: strList(
          'Virtual package names whose providers contribute .crt/.pem certificates',
          'A virtual package name',
        ),
      },
    },
    options: {
      kind: 'map',
      description: 'Deprecated: named build options (removed from apko); accepted and carried, never applied',
      deprecated: 'options was removed from apko; lupine keeps it but does not apply it',
      values: {
        kind: 'object',
        name: 'BuildOption',
        description: 'A named deviation of the image configuration',
        fields: {
          contents: {
            kind: 'object',
            name: 'ContentsOption',
            description: 'Changes to contents',
            fields: {
              packages: {
                kind: 'object',
                name: 'ListOption',
                description: 'Packages to add and remove',
                fields: {
                  add: strList('Packages to add', 'A package'),
                  remove: strList('Packages to remove', 'A package'),
                },
              },
            },
          },
          accounts: {
            kind: 'object',
            name: 'AccountsOption',
            description: 'Changes to accounts',
            fields: { 'run-as': str('The user to run as', { anyScalar: true }) },
          },
          environment: {
            kind: 'map',
            description: 'Environment variables to set',
            values: str('The value of the variable', { anyScalar: true }),
          },
          entrypoint,
        },
      },
    },
    'os-release': {
      kind: 'object',
      name: 'OSRelease',
      description: 'Deprecated: /etc/os-release contents (removed from apko in v0.17; it comes from a package)',
      deprecated: 'os-release was removed from apko in v0.17; /etc/os-release comes from a package',
      fields: {
        name: str('The name of the OS'),
        id: str('The identifier of the OS'),
        'version-id': str('The version of the OS', { anyScalar: true }),
        'pretty-name': str('The human-readable name of the OS'),
        'home-url': str('The URL of the OS homepage'),
        'bug-report-url': str('The URL to report bugs at'),
      },
    },
  },
};
