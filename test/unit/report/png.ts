/**
 * A small PNG decoder for screenshot checks (8-bit RGB / RGBA, non-interlaced, as Chromium writes
 * them) with node:zlib, and the pixel statistics the report tests use.
 */
import { inflateSync } from 'node:zlib';

export interface Pixels {
  readonly width: number;
  readonly height: number;
  /** RGBA, 4 bytes a pixel. */
  readonly rgba: Buffer;
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

export function decodePng(png: Buffer): Pixels {
  if (!png.subarray(0, 8).equals(SIGNATURE)) throw new Error('not a PNG');
  let width = 0;
  let height = 0;
  let colorType = -1;
  const idat: Buffer[] = [];
  for (let off = 8; off + 8 <= png.length; ) {
    const len = png.readUInt32BE(off);
    const type = png.toString('latin1', off + 4, off + 8);
    const data = png.subarray(off + 8, off + 8 + len);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      const depth = data[8];
      colorType = data[9] as number;
      if (depth !== 8 || (colorType !== 2 && colorType !== 6) || data[12] !== 0) {
        throw new Error(`unsupported PNG: depth ${depth}, colour type ${colorType}, interlace ${data[12]}`);
      }
    } else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') break;
    off += 12 + len;
  }
  const bpp = colorType === 6 ? 4 : 3;
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * bpp;
  const out = Buffer.alloc(width * height * 4);
  let prev = Buffer.alloc(stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)] as number;
    const line = Buffer.from(raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1)));
    for (let i = 0; i < stride; i++) {
      const a = i >= bpp ? (line[i - bpp] as number) : 0;
      const b = prev[i] as number;
      const c = i >= bpp ? (prev[i - bpp] as number) : 0;
      const x = line[i] as number;
      const v =
        filter === 0
          ? x
          : filter === 1
            ? x + a
            : filter === 2
              ? x + b
              : filter === 3
                ? x + ((a + b) >> 1)
                : x + paeth(a, b, c);
      line[i] = v & 0xff;
    }
    for (let px = 0; px < width; px++) {
      out[(y * width + px) * 4] = line[px * bpp] as number;
      out[(y * width + px) * 4 + 1] = line[px * bpp + 1] as number;
      out[(y * width + px) * 4 + 2] = line[px * bpp + 2] as number;
      out[(y * width + px) * 4 + 3] = bpp === 4 ? (line[px * bpp + 3] as number) : 255;
    }
    prev = line;
  }
  return { width, height, rgba: out };
}

export interface PixelStats {
  readonly pixels: number;
  /** Pixels that are not (near) white. */
  readonly nonWhite: number;
  /** Distinct RGB colours. */
  readonly colours: number;
  /** How many pixels have exactly this `#rrggbb` colour (within ±2 per channel). */
  count(hex: string): number;
}

export function pixelStats(p: Pixels): PixelStats {
  const histogram = new Map<number, number>();
  let nonWhite = 0;
  for (let i = 0; i < p.rgba.length; i += 4) {
    const r = p.rgba[i] as number;
    const g = p.rgba[i + 1] as number;
    const b = p.rgba[i + 2] as number;
    if (r < 245 || g < 245 || b < 245) nonWhite++;
    const key = (r << 16) | (g << 8) | b;
    histogram.set(key, (histogram.get(key) ?? 0) + 1);
  }
  return {
    pixels: p.width * p.height,
    nonWhite,
    colours: histogram.size,
    count(hex) {
      const want = Number.parseInt(hex.replace('#', ''), 16);
      const [wr, wg, wb] = [(want >> 16) & 255, (want >> 8) & 255, want & 255];
      let n = 0;
      for (const [key, c] of histogram) {
        if (
          Math.abs(((key >> 16) & 255) - wr) <= 2 &&
          Math.abs(((key >> 8) & 255) - wg) <= 2 &&
          Math.abs((key & 255) - wb) <= 2
        )
          n += c;
      }
      return n;
    },
  };
}
