/** Compiling a recipe held in a string, for the pkg config tests. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { renderDiagnostics } from '../../../src/core/index.js';
import { type CompiledRecipe, type CompiledStep, compileLoadedRecipe, loadRecipe } from '../../../src/pkg/index.js';

/** Every step, nested pipelines flattened in order. */
export const flatten = (steps: readonly CompiledStep[]): CompiledStep[] =>
  steps.flatMap((s) => [s, ...flatten(s.pipeline ?? [])]);

/** `text` as `/virtual/melange.yaml` compiled for x86_64; fails the test on any error diagnostic. */
export async function compile(text: string): Promise<CompiledRecipe> {
  const loaded = await loadRecipe('/virtual/melange.yaml', {
    readFile: async (p) => (p === '/virtual/melange.yaml' ? text : readFileSync(p, 'utf8')),
  });
  const r = compileLoadedRecipe(loaded, 'x86_64');
  assert.equal(renderDiagnostics(r.diagnostics.filter((d) => d.severity === 'error')), '');
  assert.ok(r.recipe);
  return r.recipe;
}
