/**
 * `pkg bump`: a new upstream version in a recipe's text (pure). Sets package.version, resets
 * package.epoch to 0 and, only when told the new values, updates `expected-commit` of
 * git-checkout steps and `expected-sha256`/`expected-sha512` of fetch steps whose source depends
 * on the version. Each edit splices just that scalar's source text (its quoting kept), so
 * comments, blank lines and formatting stay byte for byte; the result is re-parsed and checked.
 */
import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument, type Scalar } from 'yaml';
import { isStrictVersion } from '../../apk/index.js';
import { LupineError } from '../../core/index.js';

export interface BumpOptions {
  readonly expectedCommit?: string;
  readonly expectedSha256?: string;
  readonly expectedSha512?: string;
}

export interface BumpResult {
  readonly text: string;
  readonly oldVersion: string;
  readonly oldEpoch: number;
  /** What was changed, and what was left for the user to do (with line numbers). */
  readonly notes: readonly string[];
}

interface Edit {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

function scalarSource(node: Scalar, value: string): string {
  switch (node.type) {
    case 'QUOTE_DOUBLE':
      return JSON.stringify(value);
    case 'QUOTE_SINGLE':
      return `'${value.replace(/'/g, "''")}'`;
    default:
      return /^[A-Za-z0-9._+-]+$/.test(value) ? value : JSON.stringify(value);
  }
}

function fail(message: string): never {
  throw new LupineError('BUILD_BUMP_FAILED', message, { hint: 'edit the recipe by hand' });
}

/** Every step mapping (nested and subpackage steps included). */
function steps(doc: ReturnType<typeof parseDocument>): Node[] {
  const out: Node[] = [];
  const walk = (seq: unknown): void => {
    if (!isSeq(seq)) return;
    for (const item of seq.items) {
      if (!isMap(item)) continue;
      out.push(item);
      walk(item.get('pipeline', true));
    }
  };
  walk(doc.get('pipeline', true));
  const subs = doc.get('subpackages', true);
  if (isSeq(subs)) for (const sp of subs.items) if (isMap(sp)) walk(sp.get('pipeline', true));
  return out;
}

/** The new version is an apk version; the expected checksums and commit are hex of the right length. */
function checkBumpInputs(version: string, options: BumpOptions): void {
  if (!isStrictVersion(version) || version.includes('-')) {
    throw new LupineError('BUILD_CONFIG_BAD_VERSION', `'${version}' is not an apk version`, {
      hint: 'apk versions have no hyphens: 1.2_rc1, not 1.2-rc1',
    });
  }
  const check = (v: string | undefined, re: RegExp, what: string) => {
    if (v !== undefined && !re.test(v)) fail(`${what} '${v}' is not valid`);
  };
  check(options.expectedCommit, /^[0-9a-f]{40}$/, '--expected-commit');
  check(options.expectedSha256, /^[0-9a-f]{64}$/, '--expected-sha256');
  check(options.expectedSha512, /^[0-9a-f]{128}$/, '--expected-sha512');
}

export function bumpRecipeText(text: string, version: string, options: BumpOptions = {}): BumpResult {
  checkBumpInputs(version, options);
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, keepSourceTokens: true });
  if (doc.errors.length > 0) fail(`the recipe is not valid YAML: ${doc.errors[0]?.message.split('\n')[0]}`);
  const line = (n: Node) => (n.range ? lc.linePos(n.range[0]).line : 0);
  const edits: Edit[] = [];
  const notes: string[] = [];
  const setScalar = (node: unknown, value: string, what: string): void => {
    if (!isScalar(node) || !node.range) fail(`${what} is not a plain value`);
    if (node.type === 'BLOCK_LITERAL' || node.type === 'BLOCK_FOLDED') fail(`${what} is a block scalar`);
    edits.push({ start: node.range[0], end: node.range[1], text: scalarSource(node, value) });
  };

  const vnode = doc.getIn(['package', 'version'], true);
  if (!isScalar(vnode)) fail('package.version is missing');
  const oldVersion = String(vnode.source ?? vnode.value);
  setScalar(vnode, version, 'package.version');
  notes.push(`package.version: ${oldVersion} → ${version}`);
  const enode = doc.getIn(['package', 'epoch'], true);
  const oldEpoch = isScalar(enode) ? Number(enode.value) : 0;
  if (isScalar(enode)) {
    if (oldEpoch !== 0) setScalar(enode, '0', 'package.epoch');
    notes.push(`package.epoch: ${oldEpoch} → 0`);
  }

  const versioned = (v: unknown) => isScalar(v) && typeof v.value === 'string' && v.value.includes('${{');
  for (const step of steps(doc)) {
    if (!isMap(step)) continue;
    const uses = step.get('uses');
    const withNode = step.get('with', true);
    if (!isMap(withNode)) continue;
    if (uses === 'git-checkout' && withNode.has('expected-commit')) {
      const node = withNode.get('expected-commit', true) as Node;
      const dependsOnVersion = versioned(withNode.get('tag', true)) || versioned(withNode.get('branch', true));
      if (!dependsOnVersion) continue;
      if (options.expectedCommit) {
        setScalar(node, options.expectedCommit, 'expected-commit');
        notes.push(`line ${line(node)}: git-checkout expected-commit → ${options.expectedCommit}`);
      } else {
        notes.push(
          `line ${line(node)}: git-checkout expected-commit still pins the old version's commit; rerun with --expected-commit`,
        );
      }
    }
    if (uses === 'fetch') {
      if (!versioned(withNode.get('uri', true))) continue;
      for (const [key, value] of [
        ['expected-sha256', options.expectedSha256],
        ['expected-sha512', options.expectedSha512],
      ] as const) {
        if (!withNode.has(key)) continue;
        const node = withNode.get(key, true) as Node;
        if (value) {
          setScalar(node, value, key);
          notes.push(`line ${line(node)}: fetch ${key} → ${value}`);
        } else {
          notes.push(`line ${line(node)}: fetch ${key} still has the old archive's checksum; rerun with --${key}`);
        }
      }
    }
  }

  let out = text;
  for (const e of [...edits].sort((a, b) => b.start - a.start)) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  const reparsed = parseDocument(out);
  if (reparsed.errors.length > 0 || String(reparsed.getIn(['package', 'version'])) !== version) {
    fail('the edited recipe did not read back with the new version');
  }
  return { text: out, oldVersion, oldEpoch, notes };
}
