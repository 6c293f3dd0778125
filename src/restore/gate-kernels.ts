/**
 * The per-pixel kernels the blend's gate is built from, on a G×G grid of luma. They run for
 * every face of every frame, so they reuse the buffers of a Grid (no allocation per call) and keep
 * one shape of loop per case (branches hoisted out of the inner loops). Each produces the same
 * float values as the plain per-pixel formulation it documents: the same operations in the same
 * order, so the blend's output bytes do not depend on how these are written.
 */
import type { Affine } from './affine.ts';

/** The luma the gate compares, on the gate's grid. */
export interface GateLuma {
  /** crop pixels per gate pixel */
  g: number;
  /** prefilter radius, gate pixels */
  r: number;
  luma: Float32Array;
}

/** Working buffers for one grid size, reused from call to call. */
export class Grid {
  /** the previous luma's range around each pixel (rangeOf), and its bits as integers */
  readonly lo: Float32Array;
  readonly hi: Float32Array;
  readonly loBits: Int32Array;
  readonly hiBits: Int32Array;
  readonly e: Float32Array;
  readonly gOther: Float32Array;
  readonly has: Float32Array;
  /** the plan's weight and source, when no one keeps the plan beyond the blend */
  readonly weight: Float32Array;
  readonly source: Uint8Array;
  /** one row of a streamed input and of a streamed result */
  readonly rowIn: Float32Array;
  readonly rowOut: Float32Array;
  readonly line: Float64Array;
  /** window widths of boxMean along a row */
  readonly span: Float64Array;
  readonly hist = new Uint32Array(64 * 8 + 1);
  /** the last rows of running sums (boxMean) and of row minima and maxima (rangeOf), grown as needed */
  private sums = new Float64Array(0);
  private mins = new Float32Array(0);
  private maxs = new Float32Array(0);
  constructor(readonly G: number) {
    const n = G * G;
    this.lo = new Float32Array(n);
    this.hi = new Float32Array(n);
    this.loBits = new Int32Array(this.lo.buffer);
    this.hiBits = new Int32Array(this.hi.buffer);
    this.e = new Float32Array(n);
    this.gOther = new Float32Array(n);
    this.has = new Float32Array(n);
    this.weight = new Float32Array(n);
    this.source = new Uint8Array(n);
    this.rowIn = new Float32Array(G);
    this.rowOut = new Float32Array(G);
    this.line = new Float64Array(G);
    this.span = new Float64Array(G);
  }
  sumRows(rows: number): Float64Array {
    if (this.sums.length < rows * this.G) this.sums = new Float64Array(rows * this.G);
    return this.sums;
  }
  rangeRows(rows: number): [Float32Array, Float32Array] {
    if (this.mins.length < rows * this.G) [this.mins, this.maxs] = [new Float32Array(rows * this.G), new Float32Array(rows * this.G)];
    return [this.mins, this.maxs];
  }
}

/** Writes row y of a grid into `into` (a grid computed a row at a time, never stored whole). */
export type RowSource = (y: number, into: Float32Array) => void;
/** Takes row y of a result. */
export type RowSink = (y: number, row: Float32Array) => void;

/** Luma (BT.601) of an interleaved RGB crop into `out`. */
export function lumaOf(rgb: Uint8Array, S: number, out: Float32Array): Float32Array {
  for (let p = 0, i = 0; p < S * S; p++, i += 3) out[p] = 0.299 * rgb[i]! + 0.587 * rgb[i + 1]! + 0.114 * rgb[i + 2]!;
  return out;
}

/**
 * The gate's luma: the mean over g×g crop pixels, box-filtered with radius r (gate pixels). The
 * result is `luma` itself when there is nothing to do, else a buffer from `take`.
 */
export function gateLuma(luma: Float32Array, S: number, g: number, r: number, z: Grid, take: (n: number) => Float32Array): GateLuma {
  const G = S / g;
  let l = luma;
  if (g > 1) {
    l = r > 0 ? z.e : take(G * G);
    const n = 1 / (g * g);
    for (let Y = 0; Y < G; Y++) {
      for (let X = 0; X < G; X++) {
        let sum = 0;
        for (let j = 0; j < g; j++) for (let i = 0, o = (Y * g + j) * S + X * g; i < g; i++) sum += luma[o + i]!;
        l[Y * G + X] = sum * n;
      }
    }
  }
  return { g, r, luma: r > 0 ? boxMean(l, G, r, z, take(G * G)) : l };
}

/**
 * The noise level of the gate's luma, from two consecutive inputs: the median of |cur − prev| over
 * the crop (most of a face does not change from one frame to the next, whatever the noise does) as
 * the standard deviation of one frame's noise, assuming it is Gaussian and independent per frame.
 */
export function noiseLevel(cur: Float32Array, prev: Float32Array, S: number, z: Grid): number {
  const BINS = 8; // per level
  const hist = z.hist.fill(0);
  for (let p = 0; p < S * S; p++) {
    const d = Math.abs(cur[p]! - prev[p]!) * BINS;
    hist[d < 64 * BINS ? Math.floor(d) : 64 * BINS]!++;
  }
  let seen = 0, bin = 0;
  while (bin < hist.length - 1 && (seen += hist[bin]!) < (S * S) / 2) bin++;
  // median |difference of two N(0, σ²)| = 0.6745·√2·σ
  return (bin + 0.5) / BINS / (0.6745 * Math.SQRT2);
}

/**
 * How much worse the frame's history matches than the face's, per pixel of row y: (cur − prev at
 * back(p))² − (cur − prev)², 0 outside the previous crop; into `out`.
 */
export function squaredDifferenceGainRow(cur: Float32Array, prev: Float32Array, back: Affine, S: number, y: number, out: Float32Array): void {
  const b0 = back[0], b1 = back[1], b2 = back[2], b3 = back[3], b4 = back[4], b5 = back[5];
  const row = y * S;
  let u = b1 * y + b2, v = b4 * y + b5;
  for (let x = 0; x < S; x++, u += b0, v += b3) {
    const c = cur[row + x]!;
    // no say where the frame's history does not exist: the gate rules that out on its own
    out[x] = u > -0.5 && v > -0.5 && u < S - 0.5 && v < S - 0.5 ? (c - prev[Math.round(v) * S + Math.round(u)]!) ** 2 - (c - prev[row + x]!) ** 2 : 0;
  }
}

/** Mean over a (2r+1)² window (edges clamped: the mean of the part inside) into `out`. */
export function boxMean(src: Float32Array, S: number, r: number, scratch?: Grid, out: Float32Array = new Float32Array(S * S)): Float32Array {
  boxMeanRows(S, r, scratch ?? new Grid(S), src, out);
  return out;
}

/**
 * boxMean() of `src` (a grid, or its rows one at a time) into `out` (a grid, or a sink taking each
 * row of the mean), separably: running sums along rows (each step adds the sample entering the
 * window, then subtracts the one leaving it), then down columns, divided by the window's area.
 * Only the last 2r+2 rows of row sums are kept: the input is read and the mean written once.
 */
export function boxMeanRows(S: number, r: number, z: Grid, src: Float32Array | RowSource, out: Float32Array | RowSink): void {
  const ringRows = Math.min(2 * r + 2, S);
  const sums = z.sumRows(ringRows);
  const line = z.line, span = z.span;
  const streamed = typeof src === 'function' ? src : null;
  const input = streamed ? z.rowIn : (src as Float32Array);
  const fill = (y: number) => {
    if (streamed) streamed(y, input);
    rowSums(input, streamed ? 0 : y * S, S, r, sums, (y % ringRows) * S);
  };
  for (let x = 0; x < S; x++) span[x] = Math.min(S - 1, x + r) - Math.max(0, x - r) + 1;
  line.fill(0);
  for (let y = 0; y < r && y < S; y++) {
    fill(y);
    const o = (y % ringRows) * S;
    for (let x = 0; x < S; x++) line[x]! += sums[o + x]!;
  }
  const sink = typeof out === 'function' ? out : null;
  const dst = sink ? z.rowOut : (out as Float32Array);
  for (let y = 0; y < S; y++) {
    const enters = y + r < S, leaves = y - r - 1 >= 0;
    if (enters) fill(y + r);
    const add = ((y + r) % ringRows) * S, sub = ((y - r - 1 + ringRows) % ringRows) * S, o = sink ? 0 : y * S;
    const h = Math.min(S - 1, y + r) - Math.max(0, y - r) + 1;
    if (enters && leaves) {
      for (let x = 0; x < S; x++) dst[o + x] = (line[x] = line[x]! + sums[add + x]! - sums[sub + x]!) / (h * span[x]!);
    } else if (enters) {
      for (let x = 0; x < S; x++) dst[o + x] = (line[x] = line[x]! + sums[add + x]!) / (h * span[x]!);
    } else if (leaves) {
      for (let x = 0; x < S; x++) dst[o + x] = (line[x] = line[x]! - sums[sub + x]!) / (h * span[x]!);
    } else {
      for (let x = 0; x < S; x++) dst[o + x] = line[x]! / (h * span[x]!);
    }
    if (sink) sink(y, dst);
  }
}

/** Running sums over x ± r of the row of `src` at `o` into `sums` at `d`. */
function rowSums(src: Float32Array, o: number, S: number, r: number, sums: Float64Array, d: number): void {
  // x < enter: a sample enters the window; x ≥ leave: one leaves it
  const enter = Math.max(0, S - r), leave = Math.min(S, r + 1);
  const p1 = Math.min(enter, leave), p2 = Math.max(enter, leave);
  let sum = 0;
  for (let x = 0; x < r && x < S; x++) sum += src[o + x]!;
  let x = 0;
  for (; x < p1; x++) sums[d + x] = sum += src[o + x + r]!;
  if (enter > leave) for (; x < p2; x++) sums[d + x] = sum = sum + src[o + x + r]! - src[o + x - r - 1]!;
  else for (; x < p2; x++) sums[d + x] = sum;
  for (; x < S; x++) sums[d + x] = sum -= src[o + x - r - 1]!;
}
