/**
 * Edit distance with adjacent transpositions (optimal string alignment): insert, delete,
 * substitute and swap two neighbours each cost 1, so `amd46` is one edit from `amd64`.
 */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number) => (d[i] as number[])[j] as number;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, at(i - 2, j - 2) + 1);
      (d[i] as number[])[j] = v;
    }
  }
  return at(a.length, b.length);
}

/**
 * The candidate `word` was most likely meant to be: an exact match ignoring case and `-`/`_`; else
 * the nearest within a third of the word's length (at least 1, at most 3 edits); else the only
 * candidate the word is a prefix of (`dir` → `directory`).
 */
export function didYouMean(word: string, candidates: readonly string[]): string | undefined {
  const fold = (s: string) => s.toLowerCase().replace(/_/g, '-');
  const w = fold(word);
  const folded = candidates.find((c) => fold(c) === w);
  if (folded !== undefined) return folded;
  const limit = Math.min(3, Math.max(1, Math.floor(word.length / 3)));
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const c of [...candidates].sort()) {
    const dist = editDistance(w, fold(c));
    if (dist < bestDistance) {
      best = c;
      bestDistance = dist;
    }
  }
  if (bestDistance <= limit) return best;
  const prefixed = candidates.filter((c) => w.length >= 3 && fold(c).startsWith(w));
  return prefixed.length === 1 ? prefixed[0] : undefined;
}
