import { invert, scaleOf, squareBox, type Affine } from './affine.ts';
import { halve, type RgbImage } from './image.ts';
import { sampleCubic } from './cubic.ts';

interface Level {
  crop: RgbImage;
  mask: Float32Array;
  toLevel: Affine;
}

function halveMask(m: Float32Array, size: number): Float32Array {
  const h = Math.max(1, size >> 1);
  const out = new Float32Array(h * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < h; x++) {
      const i = 2 * y * size + 2 * x;
      out[y * h + x] = (m[i]! + m[i + 1]! + m[i + size]! + m[i + size + 1]!) / 4;
    }
  }
  return out;
}

/**
 * Where a restored crop is much larger than the face in the frame, sampling it directly would
 * alias; step down a mip level while more than 3 crop pixels fall on one frame pixel.
 */
function pickLevel(crop: RgbImage, mask: Float32Array, toCrop: Affine): Level {
  let level: Level = { crop, mask, toLevel: toCrop };
  let scale = scaleOf(toCrop);
  while (scale >= 3 && level.crop.width > 8) {
    const size = level.crop.width;
    const t = level.toLevel;
    // a level-k pixel centre u maps to (u − 0.5) / 2 at level k+1
    level = {
      crop: halve(level.crop),
      mask: halveMask(level.mask, size),
      toLevel: [t[0] / 2, t[1] / 2, (t[2] - 0.5) / 2, t[3] / 2, t[4] / 2, (t[5] - 0.5) / 2],
    };
    scale /= 2;
  }
  return level;
}

/** Rows and columns of a mask outside which it is exactly 0: [first, last] column, [first, last] row. */
interface Support {
  c0: number;
  c1: number;
  r0: number;
  r1: number;
}

const supports = new WeakMap<Float32Array, Support>();

function supportOf(m: Float32Array, S: number): Support {
  const hit = supports.get(m);
  if (hit) return hit;
  let c0 = S, c1 = -1, r0 = S, r1 = -1;
  for (let y = 0; y < S; y++) {
    for (let x = 0, i = y * S; x < S; x++, i++) {
      if (!(m[i]! > 0)) continue;
      if (x < c0) c0 = x;
      if (x > c1) c1 = x;
      if (y < r0) r0 = y;
      if (y > r1) r1 = y;
    }
  }
  const s = { c0, c1, r0, r1 };
  supports.set(m, s);
  return s;
}

/**
 * The first (`end` false) or last (`end` true) x of a superset of the x interval of frame row y
 * whose crop coordinate u = a·x + (b·y + c) lies in [lo, hi]: the bounds are widened (1e-3 in u,
 * one pixel in x) against rounding, and every pixel in it is still tested exactly, so the span
 * only saves work and never changes the result. An empty span has its first x past its last.
 */
function spanEnd(a: number, rowOffset: number, lo: number, hi: number, x0: number, x1: number, end: boolean): number {
  const eps = 1e-3;
  // nearly constant along the row (a quarter turn): all or nothing
  if (Math.abs(a) < 1e-9) return rowOffset >= lo - eps && rowOffset <= hi + eps ? (end ? x1 : x0) : end ? 0 : 1;
  const p = (lo - eps - rowOffset) / a, q = (hi + eps - rowOffset) / a;
  return end ? Math.min(x1, Math.ceil(p > q ? p : q) + 1) : Math.max(x0, Math.floor(p > q ? q : p) - 1);
}

/**
 * Blends a restored S×S crop into `frame` in place: frame pixels map into crop space through
 * `toCrop`, the crop is sampled with cubic interpolation and its soft mask bilinearly, and
 * out = frame + mask·(crop − frame).
 * Pixels where the mask is 0 are not written, so everything outside the face stays bit-identical.
 *
 * Each frame row is visited only over the span that maps into the mask's non-zero rectangle
 * (cached per mask), and the mask and cubic sampling are inlined: the per-pixel arithmetic is the
 * same as sampleCubic's and the bilinear mask's, in the same order, so the result does not
 * depend on this shortcut.
 */
export function pasteCrop(frame: RgbImage, crop: RgbImage, mask: Float32Array, toCrop: Affine, at: readonly [number, number] = [0, 0]): void {
  const { crop: c, mask: m, toLevel } = pickLevel(crop, mask, toCrop);
  const S = c.width;
  // the frame box of the crop's corners
  const box = squareBox(invert(toLevel), 0, S - 1);
  // `frame` may be a rectangle of a larger frame with its top-left pixel at `at` (see pasteRect):
  // x and y stay frame coordinates, so the arithmetic is that of a paste into the whole frame
  const ax = at[0], ay = at[1];
  const x0 = Math.max(ax, Math.floor(box[0]!));
  const x1 = Math.min(ax + frame.width - 1, Math.ceil(box[2]!));
  const y0 = Math.max(ay, Math.floor(box[1]!));
  const y1 = Math.min(ay + frame.height - 1, Math.ceil(box[3]!));
  const sup = supportOf(m, S);
  if (sup.c1 < 0) return; // an all-zero mask changes nothing
  // alpha > 0 needs a non-zero tap among the four around (u, v): u in (c0 − 1, c1 + 1), likewise v
  const uLo = Math.max(0, sup.c0 - 1), uHi = Math.min(S - 1, sup.c1 + 1);
  const vLo = Math.max(0, sup.r0 - 1), vHi = Math.min(S - 1, sup.r1 + 1);
  const t = toLevel;
  pasteRows(frame.data, frame.width, ax, ay, c.data, m, S, t[0], t[1], t[2], t[3], t[4], t[5], x0, x1, y0, y1, uLo, uHi, vLo, vHi);
}

/*
 * The per-pixel loop of pasteCrop, apart from it and with plain numbers and typed arrays only: the
 * optimizing compiler then keeps one compiled loop for every call. In one function with the
 * preamble, a deoptimization there (an affine of integers has another array map than one of
 * fractions) threw the compiled loop away, and the rest of that paste ran in the interpreter,
 * allocating a boxed number per operation.
 */
function pasteRows(f: Uint8Array, W: number, ax: number, ay: number, cd: Uint8Array, m: Float32Array, S: number, a: number, b: number, tx: number, d: number, e: number, ty: number, x0: number, x1: number, y0: number, y1: number, uLo: number, uHi: number, vLo: number, vHi: number): void {
  const stride = S * 3;
  for (let y = y0; y <= y1; y++) {
    const ru = b * y + tx, rv = e * y + ty;
    const xa = Math.max(spanEnd(a, ru, uLo, uHi, x0, x1, false), spanEnd(d, rv, vLo, vHi, x0, x1, false));
    const xb = Math.min(spanEnd(a, ru, uLo, uHi, x0, x1, true), spanEnd(d, rv, vLo, vHi, x0, x1, true));
    for (let x = xa; x <= xb; x++) {
      const u = a * x + b * y + tx;
      const v = d * x + e * y + ty;
      if (!(u >= 0 && v >= 0 && u <= S - 1 && v <= S - 1)) continue;
      const ux = Math.floor(u), vy = Math.floor(v);
      const ux1 = ux + 1 < S ? ux + 1 : ux, vy1 = vy + 1 < S ? vy + 1 : vy;
      const fx = u - ux, fy = v - vy;
      const w00 = (1 - fx) * (1 - fy), w10 = fx * (1 - fy), w01 = (1 - fx) * fy, w11 = fx * fy;
      const alpha = m[vy * S + ux]! * w00 + m[vy * S + ux1]! * w10 + m[vy1 * S + ux]! * w01 + m[vy1 * S + ux1]! * w11;
      if (alpha <= 0) continue;
      const o = ((y - ay) * W + x - ax) * 3;
      if (!(ux >= 1 && vy >= 1 && ux + 2 < S && vy + 2 < S)) {
        pasteEdgePixel(f, o, cd, S, u, v, alpha);
        continue;
      }
      // sampleCubic's interior path, inlined (u, v need no clamping here)
      const tx2 = fx * fx, tx3 = tx2 * fx, ty2 = fy * fy, ty3 = ty2 * fy;
      const a0 = -0.5 * tx3 + tx2 - 0.5 * fx, a1 = 1.5 * tx3 - 2.5 * tx2 + 1, a2 = -1.5 * tx3 + 2 * tx2 + 0.5 * fx, a3 = 0.5 * tx3 - 0.5 * tx2;
      const b0 = -0.5 * ty3 + ty2 - 0.5 * fy, b1 = 1.5 * ty3 - 2.5 * ty2 + 1, b2 = -1.5 * ty3 + 2 * ty2 + 0.5 * fy, b3 = 0.5 * ty3 - 0.5 * ty2;
      const p0 = (vy - 1) * stride + (ux - 1) * 3, p1 = p0 + stride, p2 = p1 + stride, p3 = p2 + stride;
      for (let ch = 0; ch < 3; ch++) {
        const q0 = p0 + ch, q1 = p1 + ch, q2 = p2 + ch, q3 = p3 + ch;
        const s =
          b0 * (a0 * cd[q0]! + a1 * cd[q0 + 3]! + a2 * cd[q0 + 6]! + a3 * cd[q0 + 9]!) +
          b1 * (a0 * cd[q1]! + a1 * cd[q1 + 3]! + a2 * cd[q1 + 6]! + a3 * cd[q1 + 9]!) +
          b2 * (a0 * cd[q2]! + a1 * cd[q2 + 3]! + a2 * cd[q2 + 6]! + a3 * cd[q2 + 9]!) +
          b3 * (a0 * cd[q3]! + a1 * cd[q3 + 3]! + a2 * cd[q3 + 6]! + a3 * cd[q3 + 9]!);
        const src = s < 0 ? 0 : s > 255 ? 255 : s;
        const base = f[o + ch]!;
        f[o + ch] = Math.round(base + alpha * (src - base));
      }
    }
  }
}

const edgeRgb = new Float64Array(3);

/** One pasted pixel whose cubic support leaves the crop (sampleCubic clamps at its edge). */
function pasteEdgePixel(f: Uint8Array, o: number, cd: Uint8Array, S: number, u: number, v: number, alpha: number): void {
  sampleCubic(cd, S, S, u, v, edgeRgb);
  for (let ch = 0; ch < 3; ch++) {
    const src = edgeRgb[ch]! < 0 ? 0 : edgeRgb[ch]! > 255 ? 255 : edgeRgb[ch]!;
    const base = f[o + ch]!;
    f[o + ch] = Math.round(base + alpha * (src - base));
  }
}

/**
 * The rectangle of a width×height frame (inclusive [x0, y0, x1, y1]) that a paste of an S×S crop
 * through `toCrop` may write: a copy of it, pasted into with `at` = its corner and copied back,
 * gives exactly the frame a paste into the whole frame gives.
 */
export function pasteRect(width: number, height: number, size: number, toCrop: Affine): [number, number, number, number] {
  const box = squareBox(invert(toCrop), 0, size - 1);
  // both ends clipped into the frame: a crop entirely outside gives a pixel it leaves alone
  const clip = (v: number, hi: number) => Math.max(0, Math.min(hi, v));
  return [
    clip(Math.floor(box[0]!) - 2, width - 1),
    clip(Math.floor(box[1]!) - 2, height - 1),
    clip(Math.ceil(box[2]!) + 2, width - 1),
    clip(Math.ceil(box[3]!) + 2, height - 1),
  ];
}
