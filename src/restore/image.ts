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
