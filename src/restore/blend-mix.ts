/**
 * The blend's per-crop-pixel step: the chains' next residuals from their pasts and the plan. It
 * touches every channel of every crop pixel, so the plan's per-gate-pixel values are expanded a
 * row at a time (the same arithmetic as per pixel, done once per row instead of per pixel).
 */
import type { Affine } from './affine.ts';
import { FROM_FACE, FROM_FRAME, FROM_SHIFT, type BlendPlan } from './blend-sources.ts';

/** One blend recursion's state. */
export interface Chain {
  /** the blended residual (output − input), unrounded */
  residual: Float32Array;
  /** per pixel, how many frames' worth of independent restorations the residual averages */
  count: Float32Array;
}

const clamp = (v: number, max: number) => (v < 0 ? 0 : v > max ? max : v);

/** For crop pixel x: the gate pixel at or before it and the fraction towards the next. */
interface Upsampling {
  index: Int32Array;
  frac: Float64Array;
  /** 1 − frac */
  rest: Float64Array;
}

const tables = new Map<string, Upsampling>();

function upsampling(S: number, g: number): Upsampling {
  const key = `${S}:${g}`;
  let t = tables.get(key);
  if (!t) {
    const index = new Int32Array(S), frac = new Float64Array(S), rest = new Float64Array(S);
    for (let x = 0; x < S; x++) {
      const X = clamp((x - (g - 1) / 2) / g, S / g - 1);
      index[x] = Math.floor(X);
      // the fraction as the float32 it always was: the weights it interpolates depend on it
      frac[x] = Math.fround(X - Math.floor(X));
      rest[x] = 1 - frac[x]!;
    }
    tables.set(key, (t = { index, frac, rest }));
  }
  return t;
}

/** Per-blender row buffers of mix(). */
export class MixRows {
  /** the weight of the past along the current row, and the gate rows it is interpolated from */
  readonly a: Float64Array;
  readonly top: Float64Array;
  readonly bottom: Float64Array;
  constructor(S: number) {
    this.a = new Float64Array(S);
    this.top = new Float64Array(S);
    this.bottom = new Float64Array(S);
  }
}

/** A chain's past and the buffers its next state goes into. */
export interface ChainStep {
  past: Chain;
  next: Chain;
}

/**
 * The next state of one or two chains (they share the plan, so they share the per-pixel work
 * of reading it): residual = (1 − w)·fresh + w·past, the past read where the plan says (the weight
 * interpolated bilinearly from the gate's grid, the source taken from the nearest gate pixel), with
 * w the plan's weight, or less while the past averages few frames: w = k/(k+1) for a past of k
 * frames is the plain running mean, so a restarted chain or a pixel that just changed settles as
 * fast as averaging allows instead of starting from one restoration's noise. With `bytes`, also
 * the output crop: input + `from` (the residual of the chain whose output is used), rounded.
 *
 * Each row is done in passes, one per kind of source (the fresh and the face's own pixels, then
 * the frame's, then shifted ones): a loop per kind keeps the inner loops small.
 */
export function mix(plan: BlendPlan, S: number, input: Uint8Array, restored: Uint8Array, a: ChainStep, b: ChainStep | null, rows: MixRows, bytes: Uint8Array | null, from: Float32Array | null): void {
  const { g, weight, source, back, shifts } = plan;
  const G = S / g;
  const up = upsampling(S, g);
  const shift = g === 1 ? 0 : g === 2 ? 1 : 2;
  // without a second chain its arguments are the first's, unused
  const two = b !== null, b2 = b ?? a;
  let cached = -1;
  for (let y = 0; y < S; y++) {
    cached = weightRow(weight, y, S, g, G, up, rows, cached);
    const rowN = ((y / g) | 0) * G;
    const rest = rowOwn(rows.a, source, rowN, shift, S, y, input, restored, a.past, a.next, b2.past, b2.next, two);
    if (rest & FRAME_BIT) rowFrame(rows.a, source, rowN, shift, S, y, input, restored, back, a.past, a.next, b2.past, b2.next, two);
    if (rest & SHIFT_BIT) rowShifted(rows.a, source, shifts!, rowN, shift, g, S, y, input, restored, a.past, a.next, b2.past, b2.next, two);
    // the output row, while its residuals are at hand
    if (bytes) toBytes(input, from!, bytes, 3 * y * S, 3 * (y + 1) * S);
  }
}

const FRAME_BIT = 1, SHIFT_BIT = 2;

/** The weight of the past along crop row y into rows.a; returns the gate row whose interpolation rows.top/bottom hold. */
function weightRow(weight: Float32Array, y: number, S: number, g: number, G: number, up: Upsampling, rows: MixRows, cached: number): number {
  const aRow = rows.a, top = rows.top, bottom = rows.bottom;
  if (g === 1) {
    // fx = fy = 0: the interpolation is the gate pixel's own weight, exactly
    for (let x = 0, o = y * S; x < S; x++) aRow[x] = weight[o + x]!;
    return cached;
  }
  const ix = up.index, frac = up.frac, rest = up.rest;
  const Y0 = ix[y]!, Y1 = Y0 + 1 < G ? Y0 + 1 : Y0;
  if (Y0 !== cached) {
    // the horizontal interpolation of the two gate rows, shared by the crop rows between them
    const o0 = Y0 * G, o1 = Y1 * G;
    for (let x = 0; x < S; x++) {
      const X0 = ix[x]!, X1 = X0 + 1 < G ? X0 + 1 : X0, fx = frac[x]!, rx = rest[x]!;
      top[x] = weight[o0 + X0]! * rx + weight[o0 + X1]! * fx;
      bottom[x] = weight[o1 + X0]! * rx + weight[o1 + X1]! * fx;
    }
  }
  const fy = frac[y]!, ry = rest[y]!;
  for (let x = 0; x < S; x++) aRow[x] = top[x]! * ry + bottom[x]! * fy;
  return Y0;
}

/** One pixel of one chain: the blend of the fresh residual f with the past r (k frames), at weight a at most. */
function settle(a: number, k: number, r0: number, r1: number, r2: number, f0: number, f1: number, f2: number, out: Float32Array, count: Float32Array, i: number, p: number): void {
  const s = k / (k + 1);
  const w = a < s ? a : s;
  out[i] = f0 + w * (r0 - f0);
  out[i + 1] = f1 + w * (r1 - f1);
  out[i + 2] = f2 + w * (r2 - f2);
  count[p] = 1 / ((1 - w) * (1 - w) + (w * w) / k);
}

/** Row y's pixels without a past (weight 0) and those that read their own; returns which other kinds the row has. */
function rowOwn(aRow: Float64Array, source: Uint8Array, rowN: number, shift: number, S: number, y: number, input: Uint8Array, restored: Uint8Array, pa: Chain, na: Chain, pb: Chain, nb: Chain, two: boolean): number {
  const Ra = pa.residual, Ka = pa.count, Oa = na.residual, Ca = na.count;
  const Rb = pb.residual, Kb = pb.count, Ob = nb.residual, Cb = nb.count;
  const face = FROM_FACE, shifted = FROM_SHIFT;
  let rest = 0;
  for (let x = 0, p = y * S, i = 3 * p; x < S; x++, p++, i += 3) {
    const a = aRow[x]!;
    const f0 = restored[i]! - input[i]!, f1 = restored[i + 1]! - input[i + 1]!, f2 = restored[i + 2]! - input[i + 2]!;
    if (a <= 0) {
      Oa[i] = f0; Oa[i + 1] = f1; Oa[i + 2] = f2;
      Ca[p] = 1;
      if (two) {
        Ob[i] = f0; Ob[i + 1] = f1; Ob[i + 2] = f2;
        Cb[p] = 1;
      }
      continue;
    }
    const src = source[rowN + (x >> shift)]!;
    if (src !== face) {
      rest |= src === shifted ? SHIFT_BIT : FRAME_BIT;
      continue;
    }
    settle(a, Ka[p]!, Ra[i]!, Ra[i + 1]!, Ra[i + 2]!, f0, f1, f2, Oa, Ca, i, p);
    if (two) settle(a, Kb[p]!, Rb[i]!, Rb[i + 1]!, Rb[i + 2]!, f0, f1, f2, Ob, Cb, i, p);
  }
  return rest;
}

/** Row y's pixels that read the frame's history: the past resampled bilinearly where back() puts them. */
function rowFrame(aRow: Float64Array, source: Uint8Array, rowN: number, shift: number, S: number, y: number, input: Uint8Array, restored: Uint8Array, back: Affine, pa: Chain, na: Chain, pb: Chain, nb: Chain, two: boolean): void {
  const Ra = pa.residual, Ka = pa.count, Oa = na.residual, Ca = na.count;
  const Rb = pb.residual, Kb = pb.count, Ob = nb.residual, Cb = nb.count;
  const frame = FROM_FRAME;
  // back(x, y) = b0·x + b1·y + b2, evaluated in that order
  const b0 = back[0], b1y = back[1] * y, b2 = back[2], b3 = back[3], b4y = back[4] * y, b5 = back[5];
  for (let x = 0, p = y * S, i = 3 * p; x < S; x++, p++, i += 3) {
    const a = aRow[x]!;
    if (!(a > 0) || source[rowN + (x >> shift)] !== frame) continue;
    const u = clamp(b0 * x + b1y + b2, S - 1);
    const v = clamp(b3 * x + b4y + b5, S - 1);
    const u0 = u < S - 1 ? u | 0 : S - 2, v0 = v < S - 1 ? v | 0 : S - 2;
    const bu = u - u0, bv = v - v0;
    const w00 = (1 - bu) * (1 - bv), w10 = bu * (1 - bv), w01 = (1 - bu) * bv, w11 = bu * bv;
    const q = v0 * S + u0, j = 3 * q, l = j + 3 * S;
    const f0 = restored[i]! - input[i]!, f1 = restored[i + 1]! - input[i + 1]!, f2 = restored[i + 2]! - input[i + 2]!;
    // the past's count and residual sampled bilinearly at crop pixel q (residual index j, the row
    // below l), written out here rather than in a helper of 19 arguments: that one was not always
    // inlined, and then every number passed to it was boxed (about 0.7 MB of garbage a frame)
    settle(
      a,
      Ka[q]! * w00 + Ka[q + 1]! * w10 + Ka[q + S]! * w01 + Ka[q + S + 1]! * w11,
      Ra[j]! * w00 + Ra[j + 3]! * w10 + Ra[l]! * w01 + Ra[l + 3]! * w11,
      Ra[j + 1]! * w00 + Ra[j + 4]! * w10 + Ra[l + 1]! * w01 + Ra[l + 4]! * w11,
      Ra[j + 2]! * w00 + Ra[j + 5]! * w10 + Ra[l + 2]! * w01 + Ra[l + 5]! * w11,
      f0, f1, f2, Oa, Ca, i, p,
    );
    if (!two) continue;
    settle(
      a,
      Kb[q]! * w00 + Kb[q + 1]! * w10 + Kb[q + S]! * w01 + Kb[q + S + 1]! * w11,
      Rb[j]! * w00 + Rb[j + 3]! * w10 + Rb[l]! * w01 + Rb[l + 3]! * w11,
      Rb[j + 1]! * w00 + Rb[j + 4]! * w10 + Rb[l + 1]! * w01 + Rb[l + 4]! * w11,
      Rb[j + 2]! * w00 + Rb[j + 5]! * w10 + Rb[l + 2]! * w01 + Rb[l + 5]! * w11,
      f0, f1, f2, Ob, Cb, i, p,
    );
  }
}

/** Row y's pixels that follow something moving its own way: the past of the crop pixel their gate pixel's shift points to. */
function rowShifted(aRow: Float64Array, source: Uint8Array, shifts: Int8Array, rowN: number, shift: number, g: number, S: number, y: number, input: Uint8Array, restored: Uint8Array, pa: Chain, na: Chain, pb: Chain, nb: Chain, two: boolean): void {
  const Ra = pa.residual, Ka = pa.count, Oa = na.residual, Ca = na.count;
  const Rb = pb.residual, Kb = pb.count, Ob = nb.residual, Cb = nb.count;
  for (let x = 0, p = y * S, i = 3 * p; x < S; x++, p++, i += 3) {
    const a = aRow[x]!;
    const n = rowN + (x >> shift);
    if (!(a > 0) || source[n] !== FROM_SHIFT) continue;
    const q = clamp(y + g * shifts[2 * n + 1]!, S - 1) * S + clamp(x + g * shifts[2 * n]!, S - 1), j = 3 * q;
    const f0 = restored[i]! - input[i]!, f1 = restored[i + 1]! - input[i + 1]!, f2 = restored[i + 2]! - input[i + 2]!;
    settle(a, Ka[q]!, Ra[j]!, Ra[j + 1]!, Ra[j + 2]!, f0, f1, f2, Oa, Ca, i, p);
    if (two) settle(a, Kb[q]!, Rb[j]!, Rb[j + 1]!, Rb[j + 2]!, f0, f1, f2, Ob, Cb, i, p);
  }
}

/** v (a level + 0.5) truncated into a byte: rounds half up. */
function toByte(v: number): number {
  return v <= 0 ? 0 : v >= 255 ? 255 : v | 0;
}

/** input + residual, rounded to bytes, over [start, end). */
export function toBytes(input: Uint8Array, residual: Float32Array, out: Uint8Array, start = 0, end = input.length): Uint8Array {
  for (let i = start; i < end; i++) out[i] = toByte(input[i]! + residual[i]! + 0.5);
  return out;
}

/** A chain that starts at this frame: the restoration's own residual, a past of one frame. */
export function startChain(c: Chain, input: Uint8Array, restored: Uint8Array): Chain {
  const { residual, count } = c;
  for (let i = 0; i < residual.length; i++) residual[i] = restored[i]! - input[i]!;
  count.fill(1);
  return c;
}
