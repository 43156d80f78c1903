import { LupineError } from '../core/index.js';
import { hasRawUserinfoCharacters, redactCredentials } from '../net/index.js';

/**
 * `/etc/apk/repositories` as apk-tools 2.14 reads it (`apk_db_add_repository`): one repository per
 * line, `[@tag] URL`, where the URL is `http://`, `https://`, `file://` or an absolute path.
 * An empty line or one starting with `#` is skipped. The tag is separated from the URL by
 * spaces, tabs or `:` (apk's `apk_spn_repo_separators`). A URL listed twice is one repository,
 * allowed under every tag it was listed with (apk ORs the tag masks).
 *
 * lupine is a little stricter than apk, which warns "Ignoring …" and carries on: a line apk could
 * never load (a relative path, an unknown scheme, text after the URL) is a REPO_BAD_LINE with its
 * position. It is also a little more lenient: leading/trailing whitespace and `\r` are trimmed.
 */

export type RepositoryScheme = 'http' | 'https' | 'file' | 'path';

export interface RepositoryEntry {
  /** The repository URL exactly as written after the tag (apk keys its cache on this string). */
  readonly url: string;
  /** The tag of the first line listing this URL, without `@`; undefined for an untagged line. */
  readonly tag: string | undefined;
  /** Every tag this URL was listed under, in line order; '' stands for an untagged line. */
  readonly tags: readonly string[];
  readonly scheme: RepositoryScheme;
  /** `file:line:col` of the first line listing this URL. */
  readonly location: string;
}

/** One problem found in a repositories file. */
export interface RepositoryProblem {
  readonly location: string;
  readonly line: number;
  readonly column: number;
  readonly message: string;
  readonly hint: string;
}

export interface RepositoriesCheck {
  readonly repositories: RepositoryEntry[];
  readonly problems: RepositoryProblem[];
}

const SEPARATORS = new Set([' ', '\t', ':']);
/** A `#` or `?` before the authority's last `@`: user-info that was not percent-encoded. */
const RAW_SECRET_RE = /^[a-z][a-z0-9+.-]*:\/\/[^\s/@]*[#?][^\s]*@/i;
const SCHEME_RE = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//;

interface LineResult {
  readonly url: string;
  readonly tag: string | undefined;
  readonly scheme: RepositoryScheme;
  readonly column: number;
}

function problem(source: string, line: number, column: number, message: string, hint: string): RepositoryProblem {
  return { location: `${source}:${line}:${column}`, line, column, message, hint };
}

/** Parses one non-comment line; `offset` is the 0-based column where the trimmed text starts. */
// long: a left-to-right scanner over one repositories line (@tag, options, URL, branch and repo words); the position it carries is every error's column
function parseLine(text: string, offset: number, source: string, lineNo: number): LineResult | RepositoryProblem {
  let pos = 0;
  let tag: string | undefined;
  if (text.startsWith('@')) {
    let end = 0;
    while (end < text.length && !SEPARATORS.has(text[end] ?? '')) end++;
    tag = text.slice(1, end);
    if (tag === '') {
      return problem(
        source,
        lineNo,
        offset + 1,
        `'@' without a tag name`,
        `write '@name URL', e.g. '@edge https://dl-cdn.alpinelinux.org/alpine/edge/main'`,
      );
    }
    pos = end;
    while (pos < text.length && SEPARATORS.has(text[pos] ?? '')) pos++;
    if (pos >= text.length) {
      return problem(
        source,
        lineNo,
        offset + pos + 1,
        `tag '@${tag}' has no repository URL after it`,
        `write '@${tag} URL' on one line`,
      );
    }
  }
  const rest = text.slice(pos);
  const ws = rest.search(/[ \t]/);
  const url = ws < 0 ? rest : rest.slice(0, ws);
  const column = offset + pos + 1;
  if (ws >= 0) {
    const extraAt = offset + pos + ws + rest.slice(ws).search(/[^ \t]/) + 1;
    return problem(
      source,
      lineNo,
      extraAt,
      `unexpected text after the repository URL '${url}'`,
      `one repository per line; comments must start the line with '#'`,
    );
  }
  const m = SCHEME_RE.exec(url);
  if (m) {
    const scheme = (m[1] ?? '').toLowerCase();
    if (scheme === 'file') {
      if (!url.slice('file://'.length).startsWith('/')) {
        return problem(
          source,
          lineNo,
          column,
          `'${url}' is not an absolute file:// URL`,
          `write file:///absolute/path`,
        );
      }
      return { url, tag, scheme: 'file', column };
    }
    if (scheme === 'http' || scheme === 'https') {
      // `user:12#pass@host`: the parser would take `user:12` for the host and port; a repository URL
      // has no fragment and no `@` in a query, so a raw # or ? before an @ is a password to encode.
      if (RAW_SECRET_RE.test(url)) {
        return problem(
          source,
          lineNo,
          column,
          `'${redactCredentials(url)}' has a raw # or ? in its user-info`,
          'percent-encode special characters in the user and password: # as %23, ? as %3F, / as %2F, @ as %40',
        );
      }
      let parsed: URL | undefined;
      try {
        parsed = new URL(url);
      } catch {
        parsed = undefined;
      }
      if (!parsed || parsed.hostname === '') {
        return problem(
          source,
          lineNo,
          column,
          `'${redactCredentials(url)}' is not a valid ${scheme} URL`,
          redactCredentials(url) !== url
            ? `check the host and port; percent-encode special characters in the user and password${hasRawUserinfoCharacters(url) ? ' (this one has a raw #, /, ? or @)' : ''}: # as %23, / as %2F, ? as %3F, @ as %40`
            : `write e.g. https://host/path/to/repo`,
        );
      }
      return { url, tag, scheme, column };
    }
    return problem(
      source,
      lineNo,
      column,
      `unsupported URL scheme '${m[1]}://'`,
      `use http://, https://, file:// or an absolute path`,
    );
  }
  if (!url.startsWith('/')) {
    return problem(
      source,
      lineNo,
      column,
      `'${url}' is neither a URL nor an absolute path`,
      `use http://, https://, file:// or an absolute path starting with '/'`,
    );
  }
  return { url, tag, scheme: 'path', column };
}

/** Reads every line and collects every problem, so a user sees all of them in one run. */
export function checkRepositories(text: string, source = '/etc/apk/repositories'): RepositoriesCheck {
  const byUrl = new Map<string, { entry: RepositoryEntry; tags: string[] }>();
  const problems: RepositoryProblem[] = [];
  const lines = text.split('\n');
  lines.forEach((raw, i) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const lead = line.length - line.trimStart().length;
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const r = parseLine(trimmed, lead, source, i + 1);
    if ('message' in r) {
      problems.push(r);
      return;
    }
    const seen = byUrl.get(r.url);
    if (seen) {
      seen.tags.push(r.tag ?? '');
      return;
    }
    const tags = [r.tag ?? ''];
    byUrl.set(r.url, {
      entry: { url: r.url, tag: r.tag, tags, scheme: r.scheme, location: `${source}:${i + 1}:${r.column}` },
      tags,
    });
  });
  return { repositories: [...byUrl.values()].map((v) => v.entry), problems };
}

/** Parses a repositories file; throws REPO_BAD_LINE (first problem's position in `details.location`). */
export function parseRepositories(text: string, source = '/etc/apk/repositories'): RepositoryEntry[] {
  const { repositories, problems } = checkRepositories(text, source);
  const first = problems[0];
  if (first) {
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem(s))` : '';
    throw new LupineError('REPO_BAD_LINE', `${first.message}${more}`, {
      details: { location: first.location, line: first.line, column: first.column, problems },
      hint: first.hint,
    });
  }
  return repositories;
}

/** Whether apk reads this repository directly (local) rather than through the cache. */
export function isLocalRepository(repo: Pick<RepositoryEntry, 'scheme'>): boolean {
  return repo.scheme === 'file' || repo.scheme === 'path';
}

function joinUrl(base: string, ...parts: string[]): string {
  return `${base.replace(/\/+$/, '')}/${parts.join('/')}`;
}

/** `<repo>/<arch>/APKINDEX.tar.gz` (a path for a path repository). */
export function repositoryIndexUrl(repoUrl: string, arch: string): string {
  return joinUrl(repoUrl, arch, 'APKINDEX.tar.gz');
}

/** `<repo>/<arch>/<name>-<version>.apk`; 2.x takes the arch from the package's `A:` when it has one. */
export function repositoryPackageUrl(
  repoUrl: string,
  arch: string,
  pkg: { readonly name: string; readonly version: string; readonly arch?: string },
): string {
  return joinUrl(repoUrl, pkg.arch || arch, `${pkg.name}-${pkg.version}.apk`);
}
