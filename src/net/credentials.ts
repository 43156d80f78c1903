/**
 * Credentials for HTTP requests, from the two places a user writes them: the user-info of a URL
 * (`https://user:pass@host/repo`) and `HTTP_AUTH=basic:HOST:USER:PASS` (apko's variable). A URL's
 * credentials are split off where the URL is read, so that what is written or shown afterwards
 * (image files, locks, SBOMs, messages) never carries them; the transport gets them as a table.
 */

/** Basic credentials for every URL under `prefix` (an origin, or an origin and a path). */
export interface UrlCredential {
  /** `scheme://host[:port][/path]`, no user-info, no trailing `/`. */
  readonly prefix: string;
  readonly user: string;
  readonly password: string;
}

/** Basic credentials for one host (`host` or `host:port`), as `HTTP_AUTH` gives them. */
export interface HostCredential {
  readonly host: string;
  readonly user: string;
  readonly password: string;
}

const HAS_USERINFO = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*@/i;

/**
 * Splits the user-info off a URL: `http://u:p@h/r` → `http://h/r` and a credential for that prefix.
 * Anything that is not a URL with user-info comes back unchanged and without a credential.
 */
export function splitUrlCredentials(url: string): { readonly url: string; readonly credential?: UrlCredential } {
  if (!HAS_USERINFO.test(url)) return splitRawUserinfo(url);
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    // Not parseable: still never keep what looks like user-info.
    return { url: url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#]*@/i, '$1') };
  }
  const user = safeDecode(u.username);
  const password = safeDecode(u.password);
  u.username = '';
  u.password = '';
  // Keep the text as written apart from the user-info (URL.toString would add a `/` to a bare origin).
  const stripped = url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#]*@/i, '$1');
  const prefix = `${u.origin}${u.pathname}`.replace(/\/+$/, '');
  return user === '' && password === '' ? { url: stripped } : { url: stripped, credential: { prefix, user, password } };
}

/** `scheme://user:` then a password with a raw `#`, `/` or `?`, up to the last `@`. */
const RAW_USERINFO = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#@:\s]*):(\S*)@/i;

/**
 * `http://user:pa#ss@host/r`: the password holds a character that should have been percent-encoded,
 * so the URL parser would take `user` for the host. When what follows the colon is not a port and
 * what follows the last `@` is a host, it is user-info: split it off as such.
 */
function splitRawUserinfo(url: string): { readonly url: string; readonly credential?: UrlCredential } {
  const m = RAW_USERINFO.exec(url);
  if (!m) return { url };
  const [whole, scheme = '', user = '', password = ''] = m;
  if (/^\d*(?:[/?#]|$)/.test(password)) return { url }; // host:port/…@…: an @ in the path
  const stripped = `${scheme}${url.slice(whole.length)}`;
  let u: URL;
  try {
    u = new URL(stripped);
  } catch {
    return { url: stripped };
  }
  if (u.hostname === '') return { url: stripped };
  const prefix = `${u.origin}${u.pathname}`.replace(/\/+$/, '');
  return { url: stripped, credential: { prefix, user: safeDecode(user), password: safeDecode(password) } };
}

/** The URL without user-info (for anything written or shown). */
export function stripUrlCredentials(url: string): string {
  return splitUrlCredentials(url).url;
}

/** A URL's scheme, then everything up to the last `@` before a space or quote (the user-info). */
const URL_USERINFO = /([a-z][a-z0-9+.-]*:\/\/)([^\s'"`<>]*)@/gi;

/**
 * Removes the user-info of every URL-ish string in `text` (a message, a hint, a config value), even
 * when a password holds a raw `#`, `/`, `?` or `@` that makes the URL unparseable: everything from
 * `scheme://` to the last `@` of that word goes. A `user:***` already redacted is kept.
 */
export function redactCredentials(text: string): string {
  return text.replace(URL_USERINFO, (whole, scheme: string, info: string) =>
    /^[^:@/?#\s]*:\*\*\*$/.test(info) ? whole : scheme,
  );
}

/** Whether `url` has user-info with a character that must be percent-encoded there (`#`, `/`, `?`, `@`). */
export function hasRawUserinfoCharacters(url: string): boolean {
  const m = /^[a-z][a-z0-9+.-]*:\/\/([^\s]*)@/i.exec(url);
  return m !== null && /[#/?@]/.test(m[1] ?? '');
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/**
 * Parses `HTTP_AUTH` exactly as apko and melange do (`strings.SplitN(v, ":", 4)`):
 * `basic:HOST:USER:PASS`, the password keeping every further `:`. There is no port field: a host
 * without a port matches that host on any port. Undefined when unset or not in that form.
 */
export function parseHttpAuth(value: string | undefined): HostCredential | undefined {
  if (!value) return undefined;
  const parts = value.split(':');
  if (parts[0] !== 'basic' || parts.length < 4) return undefined;
  return { host: parts[1] ?? '', user: parts[2] ?? '', password: parts.slice(3).join(':') };
}

/**
 * The credential for a request: the longest URL prefix that contains it (same origin, path at a
 * segment boundary), else `HTTP_AUTH`'s when its host is the request's (a host without a port
 * matches any port).
 */
export function credentialFor(
  target: URL,
  table: readonly UrlCredential[],
  httpAuth?: HostCredential,
): { readonly user: string; readonly password: string } | undefined {
  const path = `${target.origin}${target.pathname}`;
  let best: UrlCredential | undefined;
  for (const c of table) {
    if (path !== c.prefix && !path.startsWith(c.prefix.endsWith('/') ? c.prefix : `${c.prefix}/`)) continue;
    if (!best || c.prefix.length > best.prefix.length) best = c;
  }
  if (best) return best;
  if (httpAuth && (httpAuth.host === target.host || httpAuth.host === target.hostname)) return httpAuth;
  return undefined;
}

/** `Basic base64(user:password)`. */
export function basicAuthorization(c: { readonly user: string; readonly password: string }): string {
  return `Basic ${Buffer.from(`${c.user}:${c.password}`).toString('base64')}`;
}
