/** An interleaved 8-bit RGB image. */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** Halves an RGB image with a 2×2 box filter (odd edges replicate): one level of a mip pyramid. */
export function halve(src: RgbImage): RgbImage {
  const w = Math.max(1, src.width >> 1);
  const h = Math.max(1, src.height >> 1);
  const out = new Uint8Array(w * h * 3);
  const sw = src.width;
  const s = src.data;
  for (let y = 0; y < h; y++) {
    const y0 = Math.min(2 * y, src.height - 1);
    const y1 = Math.min(2 * y + 1, src.height - 1);
    for (let x = 0; x < w; x++) {
      const x0 = Math.min(2 * x, sw - 1);
      const x1 = Math.min(2 * x + 1, sw - 1);
      const a = (y0 * sw + x0) * 3, b = (y0 * sw + x1) * 3, c = (y1 * sw + x0) * 3, d = (y1 * sw + x1) * 3;
      const o = (y * w + x) * 3;
      out[o] = (s[a]! + s[b]! + s[c]! + s[d]! + 2) >> 2;
      out[o + 1] = (s[a + 1]! + s[b + 1]! + s[c + 1]! + s[d + 1]! + 2) >> 2;
      out[o + 2] = (s[a + 2]! + s[b + 2]! + s[c + 2]! + s[d + 2]! + 2) >> 2;
    }
  }
  return { width: w, height: h, data: out };
}

/** A copy of the inclusive rectangle [x0, y0, x1, y1] of `src`, in a buffer of its own (transferable). */
export function copyRect(src: RgbImage, [x0, y0, x1, y1]: readonly [number, number, number, number]): RgbImage {
  const width = x1 - x0 + 1, height = y1 - y0 + 1;
  const data = new Uint8Array(width * height * 3);
  const row = width * 3;
  for (let y = 0; y < height; y++) {
    const from = ((y0 + y) * src.width + x0) * 3;
    data.set(src.data.subarray(from, from + row), y * row);
  }
  return { width, height, data };
}

/** Writes `rect` (as copyRect made it, maybe changed since) back into `dst` at its corner (x0, y0). */
export function putRect(dst: RgbImage, rect: RgbImage, x0: number, y0: number): void {
  const row = rect.width * 3;
  for (let y = 0; y < rect.height; y++) dst.data.set(rect.data.subarray(y * row, (y + 1) * row), ((y0 + y) * dst.width + x0) * 3);
}
