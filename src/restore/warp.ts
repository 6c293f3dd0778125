import { invert, scaleOf, squareBox, type Affine } from './affine.ts';
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

/** Supersampling factor of a warp: n×n bilinear samples per crop pixel where the crop shrinks the face. */
export function warpSamples(toCrop: Affine): number {
  return Math.max(1, Math.min(4, Math.ceil(1 / scaleOf(toCrop) - 0.25)));
}

/** An inclusive pixel rectangle [x0, y0, x1, y1] of a frame. */
export type Rect = [number, number, number, number];

/**
 * The part of a width×height frame that warpToCrop reads for an S×S crop: every sample position
 * with 3 pixels around it, clipped to the frame. A copy of just this rectangle, warped with
 * `at` = its corner, gives exactly the crop the whole frame gives.
 */
export function warpSourceRect(width: number, height: number, toCrop: Affine, size: number): Rect {
  // sample positions lie within half a crop pixel of the crop's pixel centres
  const box = squareBox(invert(toCrop), -0.5, size - 0.5);
  const clip = (v: number, hi: number) => Math.max(0, Math.min(hi, v));
  return [
    clip(Math.floor(box[0]!) - 3, width - 1),
    clip(Math.floor(box[1]!) - 3, height - 1),
    clip(Math.ceil(box[2]!) + 3, width - 1),
    clip(Math.ceil(box[3]!) + 3, height - 1),
  ];
}

/**
 * Warps `src` through `toCrop` (source pixels → crop pixels) into an S×S RGB crop, with cubic
 * interpolation. Where the crop is smaller than the face (a downscale), each crop pixel averages
 * n×n bilinear samples instead, so fine detail does not alias into the model's input.
 *
 * The sampling arithmetic is inlined here (the same operations, in the same order, as
 * sampleCubic and addBilinear, so the result is bit-identical to calling them per pixel); only
 * samples whose support leaves the image take the general, edge-clamping path.
 */
export function warpToCrop(src: RgbImage, toCrop: Affine, size: number, out = new Uint8Array(size * size * 3), at: readonly [number, number] = [0, 0]): Uint8Array {
  const inv = invert(toCrop);
  const n = warpSamples(toCrop);
  if (n === 1) warpCubic(src, inv, size, out, at);
  else warpSupersampled(src, inv, size, n, out, at);
  return out;
}

/*
 * `src` may be a rectangle of a larger frame with its top-left pixel at `at` (see warpSourceRect):
 * sample positions are computed in frame coordinates as for the whole frame, then moved into the
 * rectangle by subtracting whole pixels, which is exact, so the interpolation weights and the
 * result are the same.
 */

function warpCubic(src: RgbImage, inv: Affine, size: number, out: Uint8Array, at: readonly [number, number]): void {
  const { data, width: W, height: H } = src;
  const stride = W * 3;
  const acc = new Float64Array(3);
  const i0 = inv[0], i3 = inv[3];
  const [ax, ay] = at;
  for (let v = 0; v < size; v++) {
    let fx = inv[1] * v + inv[2];
    let fy = inv[4] * v + inv[5];
    for (let u = 0, o = v * size * 3; u < size; u++, o += 3, fx += i0, fy += i3) {
      const x = fx - ax, y = fy - ay;
      // the interior test of sampleCubic, on the unclamped coordinates (clamping leaves them as they are there)
      const x0 = x | 0, y0 = y | 0;
      if (!(x >= 1 && y >= 1 && x0 + 2 < W && y0 + 2 < H)) {
        sampleCubic(data, W, H, x, y, acc);
        out[o] = clampByte(acc[0]!);
        out[o + 1] = clampByte(acc[1]!);
        out[o + 2] = clampByte(acc[2]!);
        continue;
      }
      const tx = x - x0, ty = y - y0;
      const tx2 = tx * tx, tx3 = tx2 * tx, ty2 = ty * ty, ty3 = ty2 * ty;
      const a0 = -0.5 * tx3 + tx2 - 0.5 * tx, a1 = 1.5 * tx3 - 2.5 * tx2 + 1, a2 = -1.5 * tx3 + 2 * tx2 + 0.5 * tx, a3 = 0.5 * tx3 - 0.5 * tx2;
      const b0 = -0.5 * ty3 + ty2 - 0.5 * ty, b1 = 1.5 * ty3 - 2.5 * ty2 + 1, b2 = -1.5 * ty3 + 2 * ty2 + 0.5 * ty, b3 = 0.5 * ty3 - 0.5 * ty2;
      const p0 = (y0 - 1) * stride + (x0 - 1) * 3, p1 = p0 + stride, p2 = p1 + stride, p3 = p2 + stride;
      for (let c = 0; c < 3; c++) {
        const q0 = p0 + c, q1 = p1 + c, q2 = p2 + c, q3 = p3 + c;
        const s =
          b0 * (a0 * data[q0]! + a1 * data[q0 + 3]! + a2 * data[q0 + 6]! + a3 * data[q0 + 9]!) +
          b1 * (a0 * data[q1]! + a1 * data[q1 + 3]! + a2 * data[q1 + 6]! + a3 * data[q1 + 9]!) +
          b2 * (a0 * data[q2]! + a1 * data[q2 + 3]! + a2 * data[q2 + 6]! + a3 * data[q2 + 9]!) +
          b3 * (a0 * data[q3]! + a1 * data[q3 + 3]! + a2 * data[q3 + 6]! + a3 * data[q3 + 9]!);
        out[o + c] = s <= 0 ? 0 : s >= 255 ? 255 : Math.round(s);
      }
    }
  }
}

function warpSupersampled(src: RgbImage, inv: Affine, size: number, n: number, out: Uint8Array, at: readonly [number, number]): void {
  const { data: s, width: W, height: H } = src;
  const [ax, ay] = at;
  const w = 1 / (n * n);
  const q = Float64Array.from({ length: n }, (_, i) => (i + 0.5) / n);
  for (let v = 0; v < size; v++) {
    for (let u = 0, o = v * size * 3; u < size; u++, o += 3) {
      let r = 0, g = 0, b = 0;
      for (let j = 0; j < n; j++) {
        const vv = v + q[j]! - 0.5;
        for (let i = 0; i < n; i++) {
          const uu = u + q[i]! - 0.5;
          const x = inv[0] * uu + inv[1] * vv + inv[2] - ax;
          const y = inv[3] * uu + inv[4] * vv + inv[5] - ay;
          // addBilinear, inlined: clamp, then the four taps
          const xc = x < 0 ? 0 : x > W - 1 ? W - 1 : x;
          const yc = y < 0 ? 0 : y > H - 1 ? H - 1 : y;
          const x0 = Math.floor(xc), y0 = Math.floor(yc);
          const x1 = x0 + 1 < W ? x0 + 1 : x0, y1 = y0 + 1 < H ? y0 + 1 : y0;
          const fx = xc - x0, fy = yc - y0;
          const w00 = (1 - fx) * (1 - fy) * w, w10 = fx * (1 - fy) * w, w01 = (1 - fx) * fy * w, w11 = fx * fy * w;
          const i00 = (y0 * W + x0) * 3, i10 = (y0 * W + x1) * 3, i01 = (y1 * W + x0) * 3, i11 = (y1 * W + x1) * 3;
          r += s[i00]! * w00 + s[i10]! * w10 + s[i01]! * w01 + s[i11]! * w11;
          g += s[i00 + 1]! * w00 + s[i10 + 1]! * w10 + s[i01 + 1]! * w01 + s[i11 + 1]! * w11;
          b += s[i00 + 2]! * w00 + s[i10 + 2]! * w10 + s[i01 + 2]! * w01 + s[i11 + 2]! * w11;
        }
      }
      out[o] = clampByte(r);
      out[o + 1] = clampByte(g);
      out[o + 2] = clampByte(b);
    }
  }
}
