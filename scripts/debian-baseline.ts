/**
 * The demo's Debian baseline (issue 15): which apt sources mmdebstrap gets, and how it is run. A
 * fresh CI machine differs from a developer's: its sources may be the one-line
 * /etc/apt/sources.list, carry other distributions' or vendors' repositories (Node's, a cloud
 * SDK's), deb-src entries for sid, and it may run as root in a container that cannot mount /proc.
 * Each of these made the baseline disappear with one short line; now the sources are narrowed to
 * the release's binary archive entries, root mode falls back to not mounting, and a skip says why.
 */
import { spawnSync } from 'node:child_process';

/** One deb822 stanza as `Field: value` pairs (continuation lines joined). */
function stanzas(text: string): Array<Map<string, string>> {
  const out: Array<Map<string, string>> = [];
  let cur = new Map<string, string>();
  let last = '';
  for (const line of `${text}\n`.split('\n')) {
    if (line.trim() === '') {
      if (cur.size > 0) out.push(cur);
      cur = new Map();
      continue;
    }
    if (line.startsWith('#')) continue;
    if (/^\s/.test(line) && last) {
      cur.set(last, `${cur.get(last) ?? ''}\n${line.trim()}`);
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    last = line.slice(0, colon).trim().toLowerCase();
    cur.set(last, line.slice(colon + 1).trim());
  }
  return out;
}

/** The suites of a release: `bookworm`, `bookworm-updates`, `bookworm-security`, … */
function ofRelease(suite: string, release: string): boolean {
  return suite === release || suite.startsWith(`${release}-`);
}

/**
 * The sources mmdebstrap should use for `release`, as deb822: only binary (`deb`) entries whose
 * suites belong to the release, each keeping only those suites; other suites (sid), source
 * (`deb-src`) and third-party entries are left out, and disabled ones (`Enabled: no`) too.
 * `oneLine` is /etc/apt/sources.list (`deb [signed-by=…] URI SUITE COMPONENT…`). '' when none fits.
 */
export function debianArchiveSources(release: string, deb822: readonly string[], oneLine = ''): string {
  const out: string[] = [];
  for (const text of deb822) {
    for (const s of stanzas(text)) {
      if (!(s.get('types') ?? '').split(/\s+/).includes('deb')) continue;
      if ((s.get('enabled') ?? 'yes').toLowerCase() === 'no') continue;
      const suites = (s.get('suites') ?? '').split(/\s+/).filter((x) => ofRelease(x, release));
      const uris = s.get('uris') ?? '';
      if (suites.length === 0 || uris === '') continue;
      const signed = s.get('signed-by');
      out.push(
        [
          'Types: deb',
          `URIs: ${uris}`,
          `Suites: ${suites.join(' ')}`,
          `Components: ${s.get('components') || 'main'}`,
          ...(signed ? [`Signed-By: ${signed.replace(/\n/g, '\n ')}`] : []),
        ].join('\n'),
      );
    }
  }
  for (const raw of oneLine.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    const m = /^deb\s+(?:\[([^\]]*)\]\s+)?(\S+)\s+(\S+)\s*(.*)$/.exec(line);
    if (!m || !ofRelease(m[3] as string, release)) continue;
    const signed = /(?:^|\s)signed-by=(\S+)/.exec(m[1] ?? '')?.[1];
    out.push(
      [
        'Types: deb',
        `URIs: ${m[2]}`,
        `Suites: ${m[3]}`,
        `Components: ${(m[4] ?? '').trim() || 'main'}`,
        ...(signed ? [`Signed-By: ${signed}`] : []),
      ].join('\n'),
    );
  }
  return [...new Set(out)].join('\n\n');
}

export interface MmdebstrapResult {
  readonly ok: boolean;
  /** What was run, for the log (`--mode=root`, then `--skip=chroot/mount` when mounting failed). */
  readonly attempts: string[];
  /** The last lines of mmdebstrap's standard error when it failed. */
  readonly error: string;
}

/**
 * `mmdebstrap --variant=minbase RELEASE OUT -` with `sources` on standard input. As root: root mode,
 * and when that fails (a container that may not mount /proc, /sys, /dev) once more without mounting;
 * as another user: unshare mode (user namespaces).
 */
export function runMmdebstrap(
  release: string,
  out: string,
  sources: string,
  env: NodeJS.ProcessEnv,
  isRoot: boolean,
): MmdebstrapResult {
  const base = ['--quiet', '--variant=minbase', release, out, '-'];
  const tries = isRoot ? [['--mode=root'], ['--mode=root', '--skip=chroot/mount']] : [['--mode=unshare']];
  const attempts: string[] = [];
  let error = '';
  for (const extra of tries) {
    attempts.push(extra.join(' '));
    const r = spawnSync('mmdebstrap', [...extra, ...base], {
      input: `${sources}\n`,
      encoding: 'utf8',
      env,
      maxBuffer: 64 * 1024 * 1024,
    });
    if (r.status === 0) return { ok: true, attempts, error: '' };
    error = `${r.error ? `${r.error.message}\n` : ''}${r.stderr ?? ''}`.trim().split('\n').slice(-6).join('\n');
  }
  return { ok: false, attempts, error };
}
