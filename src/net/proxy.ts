/**
 * The proxy for a URL from `HTTPS_PROXY` / `HTTP_PROXY` (either case) and `NO_PROXY`, as Go's
 * `httpproxy` reads them (so as apko does): `NO_PROXY` is a comma list of hosts, `.domain` /
 * `*.domain` suffixes, `host:port`, or `*`; loopback hosts are never proxied.
 */
export function proxyFor(url: URL, env: Readonly<Record<string, string | undefined>>): URL | undefined {
  const get = (name: string) => env[name] || env[name.toLowerCase()] || undefined;
  const raw = url.protocol === 'https:' ? get('HTTPS_PROXY') : get('HTTP_PROXY');
  if (!raw) return undefined;
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host === '::1' || /^127\./.test(host)) return undefined;
  if (noProxy(host, url.port || (url.protocol === 'https:' ? '443' : '80'), get('NO_PROXY') ?? '')) return undefined;
  try {
    return new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `http://${raw}`);
  } catch {
    return undefined;
  }
}

function noProxy(host: string, port: string, list: string): boolean {
  for (let entry of list.split(',').map((e) => e.trim().toLowerCase())) {
    if (entry === '') continue;
    if (entry === '*') return true;
    const m = /^(.*):(\d+)$/.exec(entry);
    if (m && !entry.startsWith('[')) {
      if (m[2] !== port) continue;
      entry = m[1] ?? '';
    }
    entry = entry.replace(/^\*/, '').replace(/^\[|\]$/g, '');
    if (entry.startsWith('.')) {
      if (host.endsWith(entry) || host === entry.slice(1)) return true;
    } else if (host === entry || host.endsWith(`.${entry}`)) {
      return true;
    }
  }
  return false;
}
