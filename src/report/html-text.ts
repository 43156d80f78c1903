/** Text for the report page: escaping and the way numbers are written (pure). */

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for an HTML (or inline SVG) text node or a quoted attribute value. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] as string);
}

/** `1 234 567` → `1,234,567`. */
export function formatCount(n: number): string {
  return String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

const UNITS = ['KiB', 'MiB', 'GiB', 'TiB'];

/** Bytes in binary units with three significant digits: `512 B`, `1.50 KiB`, `23.4 MiB`, `124 MiB`. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  let v = n;
  let unit = 'B';
  for (const u of UNITS) {
    if (v < 1024) break;
    v /= 1024;
    unit = u;
  }
  const text = v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
  return `${text} ${unit}`;
}

/** Seconds since the epoch → `2023-11-14T22:13:20Z`. */
export function isoTime(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Shortens a long label from the left, keeping its distinctive end: `…ry.example/app:1.2`. */
export function shortLabel(text: string, max: number): string {
  return text.length <= max ? text : `…${text.slice(text.length - max + 1)}`;
}
