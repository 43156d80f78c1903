/**
 * What a written location is. Two questions callers ask, kept apart because they differ:
 * `hasUrlScheme` — written as `scheme://…` (http, https, file, oci …), so not a path to resolve
 * against a directory; `isHttpUrl` — fetched over the network.
 */
export const hasUrlScheme = (s: string): boolean => /^[a-z][a-z0-9+.-]*:\/\//i.test(s);

export const isHttpUrl = (s: string): boolean => /^https?:\/\//i.test(s);
