/**
 * The range test of the gate: the previous luma's minimum and maximum around each pixel, and how
 * far the current luma lies outside them.
 */
import type { Affine } from './affine.ts';
import type { Grid } from './gate-kernels.ts';

/**
 * Minimum and maximum of `src` over the (2r+1)² window around each pixel (edges clamped) into z.lo,
 * z.hi: along rows into the last 2r+1 rows of z.rangeRows, then down columns (min and max are exact,
 * so the window may be scanned in any order).
 *
 * Luma is never negative: then a float's bits, read as an integer, order as the float does, and
 * min and max are taken on those integers without a branch (comparisons of noisy luma are
 * unpredictable, and mispredicted branches cost more than the rest). Anything else (a negative
 * value, which luma never has, or NaN) takes plain comparisons.
 */
export function rangeOf(src: Float32Array, S: number, r: number, z: Grid): void {
  const bits = new Int32Array(src.buffer, src.byteOffset, S * S);
  let ordered = true;
  for (let p = 0; p < S * S; p++) ordered &&= bits[p]! >= 0 && bits[p]! <= 0x7f800000;
  const ringRows = Math.min(2 * r + 1, S);
  const [tlo, thi] = z.rangeRows(ringRows);
  const [blo, bhi] = [new Int32Array(tlo.buffer), new Int32Array(thi.buffer)];
  for (let y = -r; y < S; y++) {
    // the row entering the window (and, before the first, the r rows above it)
    const k = y + r;
    if (k < S) {
      if (ordered) rowRangeBits(bits, k * S, S, r, blo, bhi, (k % ringRows) * S);
      else rowRange(src, k * S, S, r, tlo, thi, (k % ringRows) * S);
    }
    if (y < 0) continue;
    const a = y > r ? y - r : 0, b = y + r < S ? y + r : S - 1;
    if (ordered) columnRangeBits(blo, bhi, a, b, ringRows, S, y, z.loBits, z.hiBits);
    else columnRange(tlo, thi, a, b, ringRows, S, y, z.lo, z.hi);
  }
}

/** Minimum and maximum over x ± r of the row of `src` at `o`, into tlo, thi at `d`. */
function rowRange(src: Float32Array, o: number, S: number, r: number, tlo: Float32Array, thi: Float32Array, d: number): void {
  for (let x = 0; x < S; x++) {
    const a = x > r ? x - r : 0, b = x + r < S ? x + r : S - 1;
    let lo = src[o + a]!, hi = lo;
    for (let k = o + a + 1; k <= o + b; k++) {
      const v = src[k]!;
      if (v < lo) lo = v;
      else if (v > hi) hi = v;
    }
    tlo[d + x] = lo;
    thi[d + x] = hi;
  }
}

/** Row y of lo, hi: the minimum and maximum of rows a … b of the row ranges (held in a ring of `ringRows`). */
function columnRange(tlo: Float32Array, thi: Float32Array, a: number, b: number, ringRows: number, S: number, y: number, lo: Float32Array, hi: Float32Array): void {
  const row = y * S, first = (a % ringRows) * S;
  for (let x = 0; x < S; x++) {
    lo[row + x] = tlo[first + x]!;
    hi[row + x] = thi[first + x]!;
  }
  for (let yy = a + 1; yy <= b; yy++) {
    const o = (yy % ringRows) * S;
    for (let x = 0; x < S; x++) {
      const l = tlo[o + x]!, h = thi[o + x]!;
      if (l < lo[row + x]!) lo[row + x] = l;
      if (h > hi[row + x]!) hi[row + x] = h;
    }
  }
}

/** rowRange() on non-negative floats' bits: min(a, b) = b + (a − b if negative), with no branch. */
function rowRangeBits(src: Int32Array, o: number, S: number, r: number, tlo: Int32Array, thi: Int32Array, d: number): void {
  // the whole window inside the row: unrolled for the usual radii
  const x0 = Math.min(r, S), x1 = Math.max(x0, S - r);
  if (r === 1) {
    for (let x = x0, k = o + x0; x < x1; x++, k++) {
      const a = src[k - 1]!, b = src[k]!, c = src[k + 1]!;
      const ab = a - b, l1 = b + (ab & (ab >> 31)), h1 = a - (ab & (ab >> 31));
      const dl = c - l1, dh = c - h1;
      tlo[d + x] = l1 + (dl & (dl >> 31));
      thi[d + x] = h1 + (dh & ~(dh >> 31));
    }
  } else if (r === 2) {
    for (let x = x0, k = o + x0; x < x1; x++, k++) {
      const a = src[k - 2]!, b = src[k - 1]!, c = src[k]!, e = src[k + 1]!, f = src[k + 2]!;
      const ab = a - b, l1 = b + (ab & (ab >> 31)), h1 = a - (ab & (ab >> 31));
      const ce = c - e, l2 = e + (ce & (ce >> 31)), h2 = c - (ce & (ce >> 31));
      const dl = l1 - l2, dh = h1 - h2;
      const l3 = l2 + (dl & (dl >> 31)), h3 = h1 - (dh & (dh >> 31));
      const fl = f - l3, fh = f - h3;
      tlo[d + x] = l3 + (fl & (fl >> 31));
      thi[d + x] = h3 + (fh & ~(fh >> 31));
    }
  } else {
    windowBits(src, o, S, r, tlo, thi, d, x0, x1);
  }
  windowBits(src, o, S, r, tlo, thi, d, 0, x0);
  windowBits(src, o, S, r, tlo, thi, d, x1, S);
}

/** rowRangeBits() for x in [from, to), any window. */
function windowBits(src: Int32Array, o: number, S: number, r: number, tlo: Int32Array, thi: Int32Array, d: number, from: number, to: number): void {
  for (let x = from; x < to; x++) {
    const a = x > r ? x - r : 0, b = x + r < S ? x + r : S - 1;
    let lo = src[o + a]!, hi = lo;
    for (let k = o + a + 1; k <= o + b; k++) {
      const v = src[k]!;
      const dl = v - lo, dh = v - hi;
      lo += dl & (dl >> 31);
      hi += dh & ~(dh >> 31);
    }
    tlo[d + x] = lo;
    thi[d + x] = hi;
  }
}

/** columnRange() on non-negative floats' bits, without a branch. */
function columnRangeBits(tlo: Int32Array, thi: Int32Array, a: number, b: number, ringRows: number, S: number, y: number, lo: Int32Array, hi: Int32Array): void {
  const row = y * S;
  if (b - a === 2) {
    // three rows (a radius of 1, or 2 at an edge), in one pass
    const o0 = (a % ringRows) * S, o1 = ((a + 1) % ringRows) * S, o2 = ((a + 2) % ringRows) * S;
    for (let x = 0; x < S; x++) {
      const l0 = tlo[o0 + x]!, l1 = tlo[o1 + x]!, l2 = tlo[o2 + x]!, h0 = thi[o0 + x]!, h1 = thi[o1 + x]!, h2 = thi[o2 + x]!;
      const dl = l0 - l1, m = l1 + (dl & (dl >> 31)), dl2 = l2 - m;
      const dh = h0 - h1, n = h1 + (dh & ~(dh >> 31)), dh2 = h2 - n;
      lo[row + x] = m + (dl2 & (dl2 >> 31));
      hi[row + x] = n + (dh2 & ~(dh2 >> 31));
    }
    return;
  }
  if (b - a === 4) {
    const o0 = (a % ringRows) * S, o1 = ((a + 1) % ringRows) * S, o2 = ((a + 2) % ringRows) * S, o3 = ((a + 3) % ringRows) * S, o4 = ((a + 4) % ringRows) * S;
    for (let x = 0; x < S; x++) {
      const l0 = tlo[o0 + x]!, l1 = tlo[o1 + x]!, l2 = tlo[o2 + x]!, l3 = tlo[o3 + x]!, l4 = tlo[o4 + x]!;
      const d01 = l0 - l1, m01 = l1 + (d01 & (d01 >> 31)), d23 = l2 - l3, m23 = l3 + (d23 & (d23 >> 31));
      const dm = m01 - m23, m = m23 + (dm & (dm >> 31)), d4 = l4 - m;
      lo[row + x] = m + (d4 & (d4 >> 31));
      const h0 = thi[o0 + x]!, h1 = thi[o1 + x]!, h2 = thi[o2 + x]!, h3 = thi[o3 + x]!, h4 = thi[o4 + x]!;
      const e01 = h0 - h1, n01 = h1 + (e01 & ~(e01 >> 31)), e23 = h2 - h3, n23 = h3 + (e23 & ~(e23 >> 31));
      const en = n01 - n23, n = n23 + (en & ~(en >> 31)), e4 = h4 - n;
      hi[row + x] = n + (e4 & ~(e4 >> 31));
    }
    return;
  }
  const first = (a % ringRows) * S;
  for (let x = 0; x < S; x++) {
    lo[row + x] = tlo[first + x]!;
    hi[row + x] = thi[first + x]!;
  }
  for (let yy = a + 1; yy <= b; yy++) {
    const o = (yy % ringRows) * S;
    for (let x = 0; x < S; x++) {
      const l = lo[row + x]!, h = hi[row + x]!;
      const dl = tlo[o + x]! - l, dh = thi[o + x]! - h;
      lo[row + x] = l + (dl & (dl >> 31));
      hi[row + x] = h + (dh & ~(dh >> 31));
    }
  }
}

/** Outside the previous crop: change enough that no blending happens there. */
export const UNSEEN = 255;

/** The identity map, for excessRow() against the face's own history. */
export const SAME_PIXEL: Affine = [1, 0, 0, 0, 1, 0];

/** How far `c` lies outside [l, h], less `allowance` (0 within it). */
export function excessOver(c: number, l: number, h: number, allowance: number): number {
  const d = c < l ? l - c : c > h ? c - h : 0;
  return d > allowance ? d - allowance : 0;
}

/**
 * Per pixel of row y, how far the current luma lies outside the previous range [lo, hi] at the
 * nearest crop pixel to back(p), less `allowance`, into `out` (UNSEEN outside the previous crop).
 */
export function excessRow(cur: Float32Array, lo: Float32Array, hi: Float32Array, back: Affine, S: number, allowance: number, y: number, out: Float32Array): void {
  const b0 = back[0], b1 = back[1], b2 = back[2], b3 = back[3], b4 = back[4], b5 = back[5];
  const row = y * S;
  if (b0 === 1 && b1 === 0 && b2 === 0 && b3 === 0 && b4 === 1 && b5 === 0) {
    // the face's history: every pixel reads its own place
    for (let x = 0, p = row; x < S; x++, p++) out[x] = excessOver(cur[p]!, lo[p]!, hi[p]!, allowance);
    return;
  }
  let u = b1 * y + b2, v = b4 * y + b5;
  for (let x = 0; x < S; x++, u += b0, v += b3) {
    if (!(u > -0.5 && v > -0.5 && u < S - 0.5 && v < S - 0.5)) {
      out[x] = UNSEEN;
      continue;
    }
    const q = Math.round(v) * S + Math.round(u);
    out[x] = excessOver(cur[row + x]!, lo[q]!, hi[q]!, allowance);
  }
}
