import { polyKernel } from './local-poly.ts';

/** One observation of a trajectory: frame number and D values (landmark and box coordinates). */
export interface Sample {
  t: number;
  y: ArrayLike<number>;
}

export interface SmoothOptions {
  /** largest half-window, frames; 0 returns the raw sample */
  radius: number;
  /** per-coordinate noise std of the samples, same units as y */
  sigma: number;
  /** confidence-interval half-width in σ·‖kernel‖ units for choosing the window (default 2) */
  gamma?: number;
  /** leading coordinates the window choice looks at (default all) */
  testDims?: number;
}

export interface Smoothed {
  y: Float64Array;
  /** the half-window the estimate used */
  radius: number;
}

interface Candidate extends Smoothed {
  /** noise gain ‖kernel‖: the estimate's std is σ times this */
  gain: number;
  /** a wider window was refused: this estimate may carry up to about Γσ·gain of bias */
  stopped?: boolean;
}

/**
 * Local polynomial estimate of the trajectory at frame t from the samples (sorted by t, all within
 * ±radius of t, one trajectory segment: never across a scene cut).
 *
 * A centred tricube-weighted quadratic is exact for cubic motion, so it does not lag, and its
 * tapered kernel kills the frame-to-frame noise that second differences (jitter) amplify; at a
 * track's ends the window is one-sided and the quadratic still unbiased, only noisier. The
 * half-window is chosen per frame by intersecting confidence intervals (Lepski / ICI): it grows
 * while the wider estimate stays within Γσ‖kernel‖ of every narrower one, so it shrinks only
 * where the motion departs from a smooth curve by more than the noise explains.
 *
 * Where the centred window had to shrink (a stop, a reversal), the motion is smooth on at least
 * one side: lines fitted to the past alone and to the future alone get the same test, and the
 * estimate with the smallest error wins (its noise, with a margin for the bias a refused window
 * may leave), so a corner stays sharp without going raw.
 */
export function smoothAt(samples: readonly Sample[], t: number, options: SmoothOptions): Smoothed | null {
  const centred = ici(samples, t, options, 2);
  if (!centred?.stopped) return centred && { y: centred.y, radius: centred.radius };
  const bound = (c: Candidate): number => c.gain * (c.stopped ? STOPPED_PENALTY : 1);
  let best = centred;
  for (const side of [-1, 1]) {
    const one = ici(
      samples.filter((s) => (s.t - t) * side >= 0),
      t,
      options,
      1,
    );
    if (one && bound(one) < bound(best)) best = one;
  }
  return { y: best.y, radius: best.radius };
}

/**
 * How much worse than its noise a window that was refused a wider one counts, for the choice
 * between the centred and the one-sided estimates. Charging the full bias bound (√(1+Γ²)) makes
 * the choice flip between estimators on noise alone, which is jitter; 1.3 keeps corners sharp
 * and smooth stretches smooth on our synthetic and degraded test clips.
 */
const STOPPED_PENALTY = 1.3;

const tricube = (d: number, r: number): number => {
  const u = Math.abs(d) / (r + 1);
  const v = 1 - u * u * u;
  return v * v * v;
};

function ici(samples: readonly Sample[], t: number, options: SmoothOptions, degree: number): Candidate | null {
  if (samples.length === 0) return null;
  const dims = samples[0]!.y.length;
  const testDims = Math.min(dims, options.testDims ?? dims);
  const gamma = options.gamma ?? 2;
  const lower = new Float64Array(testDims).fill(-Infinity);
  const upper = new Float64Array(testDims).fill(Infinity);
  let best: Candidate | null = null;
  for (let r = 0; r <= options.radius; r++) {
    const est = estimate(samples, t, r, dims, degree);
    if (!est) continue;
    const half = gamma * options.sigma * est.gain;
    for (let j = 0; j < testDims; j++) {
      lower[j] = Math.max(lower[j]!, est.y[j]! - half);
      upper[j] = Math.min(upper[j]!, est.y[j]! + half);
      if (lower[j]! > upper[j]!) return best ? { ...best, stopped: true } : est;
    }
    best = est;
  }
  return best;
}

function estimate(samples: readonly Sample[], t: number, r: number, dims: number, maxDegree: number): Candidate | null {
  const u: number[] = [];
  const w: number[] = [];
  const picked: Sample[] = [];
  let before = 0;
  let after = 0;
  for (const s of samples) {
    const d = s.t - t;
    if (Math.abs(d) > r) continue;
    u.push(d);
    w.push(tricube(d, r));
    picked.push(s);
    if (d < 0) before++;
    if (d > 0) after++;
  }
  if (picked.length === 0) return null;
  // Never extrapolate into a gap: a frame without a sample needs samples on both sides.
  if (r > 0 && (before === 0 || after === 0) && u.every((d) => d !== 0)) return null;
  let degree = Math.min(maxDegree, picked.length - 1);
  let l = polyKernel(u, w, degree);
  while (!l && degree > 0) l = polyKernel(u, w, --degree);
  if (!l) return null;
  const y = new Float64Array(dims);
  let gain = 0;
  for (let i = 0; i < picked.length; i++) {
    const li = l[i]!;
    gain += li * li;
    const yi = picked[i]!.y;
    for (let j = 0; j < dims; j++) y[j]! += li * yi[j]!;
  }
  return { y, radius: r, gain: Math.sqrt(gain) };
}

/**
 * Robust per-coordinate noise std from second differences of evenly spaced samples
 * (Var Δ² = 6σ² for white noise); the median ignores the few triples where motion turns.
 */
export function estimateNoise(samples: readonly Sample[], dims?: number): number | null {
  const diffs: number[] = [];
  for (let i = 1; i + 1 < samples.length; i++) {
    const a = samples[i - 1]!;
    const b = samples[i]!;
    const c = samples[i + 1]!;
    if (b.t - a.t !== c.t - b.t) continue;
    const n = Math.min(dims ?? b.y.length, b.y.length);
    for (let j = 0; j < n; j++) diffs.push(Math.abs(a.y[j]! - 2 * b.y[j]! + c.y[j]!));
  }
  if (diffs.length < 5) return null;
  diffs.sort((p, q) => p - q);
  return (1.4826 * diffs[diffs.length >> 1]!) / Math.sqrt(6);
}
