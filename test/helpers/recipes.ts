/** Pieces of the small melange recipes tests write. */

/** The `package:` block of a test recipe: epoch 0, MIT; `version` as YAML writes it (`"1.0"` stays a string). */
export const packageBlock = (name: string, version: string, description = name): string => `package:
  name: ${name}
  version: ${version}
  epoch: 0
  description: ${description}
  copyright:
    - license: MIT
`;
