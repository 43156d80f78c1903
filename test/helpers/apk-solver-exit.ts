/**
 * The exit status apk-tools 2.14's normal build gives each case of ../shared/vectors/apk-solver/ (its
 * own runner uses the test build, which always exits 0, so the vectors record output only).
 *
 * apk.c ends with `if (r < 0) r = 250; if (r > 99) r = 99;` where r is the applet's result:
 * - a case whose output is a change (no `ERROR:`) exits 0;
 * - `add` returns -1 after `bad package specifier` and `is not a valid world dependency`: 250;
 * - `unable to select packages` returns the solver's error count (`ss->errors`), which is not the
 *   number of stanzas printed: it counts each package marked in error (selected while not selectable,
 *   two packages assigned the same name, a dependency left unfulfilled, and every package above an
 *   erroneous one through `cset_gen_dep`'s "propagation up"), plus one per required name left
 *   without any provider. The figures below are that count, worked out per case from the repository.
 */
const SOLVER_ERRORS: Record<string, number> = {
  // a-2 and b-2 are masked by --no-network yet selected: both marked.
  'basic12.test': 2,
  // a-2 selected against world[a<2]: marked.
  'basic13.test': 1,
  // b-1's d<2.0 is unfulfilled by d-2.0: b-1 marked, then a-3 above it.
  'error1.test': 2,
  // c-1's d>1.0 is unfulfilled by d-1.0: c-1, then b-1 and a-2 above it.
  'error2.test': 3,
  // b-1 (d<2.0 unfulfilled; also conflicts world[!b]) and a-3 above it.
  'error3.test': 2,
  // as error1 (a>2 forces a-3): b-1 and a-3.
  'error5.test': 2,
  // conflicted-provider has no provider (one) and conflicted-dep's dependency is unfulfilled (two).
  'provides10.test': 2,
  // self-provide-0.1 provides its own name: assigned twice, marked once.
  'provides12.test': 1,
  // nonexistent has no provider.
  'provides15.test': 1,
  // foopkg has no provider, testr's dependency on it is unfulfilled.
  'provides16.test': 2,
  // server-a-1 and server-b-1 both assign theservice: both marked.
  'provides5.test': 2,
  // libfoo-1 and libfoo-2 both assign libfoo, then app-2 and app2-2 above them.
  'provides6.test': 4,
  // conflicted-provider (required by world) has no provider.
  'provides9.test': 1,
};

/** add_main's `return -1` cases (bad virtual specifier, invalid world dependency). */
const APPLET_FAILURE = 250;

/** The exit status apk's normal build gives the case `file` whose expected output is `expect`. */
export function apkSolverExitCode(file: string, expect: string): number {
  if (!expect.startsWith('ERROR:')) return 0;
  if (/^ERROR: .*(: bad package specifier|is not a valid world dependency)/.test(expect)) return APPLET_FAILURE;
  const count = SOLVER_ERRORS[file];
  if (count === undefined) throw new Error(`${file}: no recorded error count for an ERROR case`);
  return count;
}

/** The cases that print `ERROR:` (the table above must cover exactly these). */
export const SOLVER_ERROR_CASES = Object.keys(SOLVER_ERRORS).sort();
