/**
 * A tiny stage-0 recipe (runner `host`: no guest to build, so it builds in about a second) that
 * runs `runs`, then writes one file, /usr/share/NAME/name.
 */
import { packageBlock } from './recipes.js';

export const hostRecipe = (name: string, runs = 'true') => `${packageBlock(name, '"1.0"')}  annotations:
    dev.lupine.runner: host
pipeline:
  - runs: |
      ${runs}
      mkdir -p "\${{targets.destdir}}/usr/share/${name}"
      echo ${name} > "\${{targets.destdir}}/usr/share/${name}/name"
`;
