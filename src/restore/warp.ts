import { invert, scaleOf, type Affine } from './affine.ts';
import type { RgbImage } from './image.ts';
import { clampByte, sampleCubic } from './cubic.ts';

/**
 * Samples `src` at (x, y) bilinearly with edge clamping into out[o..o+2] (as floats, summed with
 * weight w). Pixel centres sit on integer coordinates, as in OpenCV's warpAffine.
 */
export function addBilinear(src: RgbImage, x: number, y: number, w: number, acc: Float64Array): void {
  const W = src.width, H = src.height, s = src.data;
  const xc = x < 0 ? 0 : x > W - 1 ? W - 1 : x;
  const yc = y < 0 ? 0 : y > H - 1 ? H - 1 : y;
  const x0 = Math.floor(xc), y0 = Math.floor(yc);
  const x1 = x0 + 1 < W ? x0 + 1 : x0, y1 = y0 + 1 < H ? y0 + 1 : y0;
  const fx = xc - x0, fy = yc - y0;
  const w00 = (1 - fx) * (1 - fy) * w, w10 = fx * (1 - fy) * w, w01 = (1 - fx) * fy * w, w11 = fx * fy * w;
  const i00 = (y0 * W + x0) * 3, i10 = (y0 * W + x1) * 3, i01 = (y1 * W + x0) * 3, i11 = (y1 * W + x1) * 3;
  acc[0]! += s[i00]! * w00 + s[i10]! * w10 + s[i01]! * w01 + s[i11]! * w11;
  acc[1]! += s[i00 + 1]! * w00 + s[i10 + 1]! * w10 + s[i01 + 1]! * w01 + s[i11 + 1]! * w11;
  acc[2]! += s[i00 + 2]! * w00 + s[i10 + 2]! * w10 + s[i01 + 2]! * w01 + s[i11 + 2]! * w11;
}

/**
 * Warps `src` through `toCrop` (source pixels → crop pixels) into an S×S RGB crop, with cubic
 * interpolation. Where the crop is smaller than the face (a downscale), each crop pixel averages
 * n×n bilinear samples instead, so fine detail does not alias into the model's input.
 */
export function warpToCrop(src: RgbImage, toCrop: Affine, size: number, out = new Uint8Array(size * size * 3)): Uint8Array {
  const inv = invert(toCrop);
  const n = Math.max(1, Math.min(4, Math.ceil(1 / scaleOf(toCrop) - 0.25)));
  const acc = new Float64Array(3);
  if (n === 1) {
    const { data, width, height } = src;
    for (let v = 0; v < size; v++) {
      let x = inv[1] * v + inv[2];
      let y = inv[4] * v + inv[5];
      for (let u = 0, o = v * size * 3; u < size; u++, o += 3, x += inv[0], y += inv[3]) {
        sampleCubic(data, width, height, x, y, acc);
        out[o] = clampByte(acc[0]!);
        out[o + 1] = clampByte(acc[1]!);
        out[o + 2] = clampByte(acc[2]!);
      }
    }
    return out;
  }
  const w = 1 / (n * n);
  for (let v = 0; v < size; v++) {
    for (let u = 0; u < size; u++) {
      acc.fill(0);
      for (let j = 0; j < n; j++) {
        const vv = v + (j + 0.5) / n - 0.5;
        for (let i = 0; i < n; i++) {
          const uu = u + (i + 0.5) / n - 0.5;
          addBilinear(src, inv[0] * uu + inv[1] * vv + inv[2], inv[3] * uu + inv[4] * vv + inv[5], w, acc);
        }
      }
      const o = (v * size + u) * 3;
      out[o] = clampByte(acc[0]!);
      out[o + 1] = clampByte(acc[1]!);
      out[o + 2] = clampByte(acc[2]!);
    }
  }
  return out;
}

