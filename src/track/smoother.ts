import { polyKernel, solve } from './local-poly.ts';

/** One observation of a trajectory: frame number and D values (landmark and box coordinates). */
export interface Sample {
  t: number;
  y: ArrayLike<number>;
}

export interface SmoothOptions {
  /** half-window, frames; 0 returns the raw sample */
  radius: number;
  /** per-coordinate noise std of the samples, same units as y */
  sigma: number;
  /** leading coordinates the decisions (breaks, fit order) look at (default all) */
  testDims?: number;
  /** slope change, in units of its own noise std, from which the motion counts as broken (default 6) */
  breakThreshold?: number;
}

export interface Smoothed {
  y: Float64Array;
  /** farthest sample used, frames from t */
  radius: number;
  /** weight of the local quartic in the estimate (0 = pure local quadratic) */
  quartic: number;
  /** velocity breaks within reach of t, which no window crosses */
  breaks: number[];
}

/**
 * How far beyond ±radius the smoother looks: the fit-order decision averages over ±ORDER_SPAN
 * frames; breaks up to BREAK_SPAN beyond that are looked for (they cut the test spans of nearer
 * ones), and each test reaches BREAK_SPAN frames further. Callers should hand smoothAt every sample
 * within radius + SMOOTHING_CONTEXT of t, so that decisions about a frame do not depend on which
 * frame is being estimated.
 */
const ORDER_SPAN = 2;
const BREAK_SPAN = 12;
/** samples each side a break test uses, at most */
const BREAK_SAMPLES = 4;
export const SMOOTHING_CONTEXT = ORDER_SPAN + 2 * BREAK_SPAN;

/**
 * Detector noise is not white: on still and slowly moving faces, YuNet's landmark errors put
 * 1.5–3.5× more variance into the band the quartic − quadratic difference sees than white noise
 * of the same frame-to-frame size would (measured on bench/temporal's slow clips). The fit-order
 * decision counts that much as noise, so that only motion (10–30× on its fast clips) moves it.
 */
const COLOURED = 4;

/**
 * Estimate of the trajectory at frame t from the samples around it (sorted by t, one trajectory
 * segment: never across a scene cut).
 *
 * Three mechanisms, each aimed at one way a smoother fails on faces in video:
 *
 * 1. **No lag, no jitter.** A centred, tricube-weighted local polynomial: symmetric, so it does not
 *    lag behind motion; tapered, so it kills the frame-to-frame noise that second differences
 *    (jitter) amplify. The same kernel serves every frame of a smooth stretch, so the estimate does
 *    not switch between estimators from one frame to the next (switching is itself jitter).
 *
 * 2. **Fast curved motion.** A local quadratic is exact for cubic motion only; a face swinging
 *    across the frame at 20 px/frame has enough higher-order motion that it would miss by about a
 *    pixel. The local quartic is exact to fifth order but noisier. The estimate is
 *    quadratic + λ·(quartic − quadratic), where λ = b²/(b² + var) is the MSE-optimal weight for
 *    the quadratic's bias b, estimated from how far the two fits disagree beyond what noise
 *    explains, averaged over the neighbouring frames so that λ drifts instead of flickering.
 *
 * 3. **Corners.** Where the velocity jumps (a reversal, a stop, a start; see `breakStat`) no smooth
 *    curve fits, and a window that straddles the corner rounds it off. Windows stop at breaks: on
 *    either side the motion is smooth again and the local fit is unbiased. At the break itself,
 *    the fits from both sides (both ending there) are averaged. Breaks are decided from the
 *    samples around them only, so every frame sees the same breaks (but for the newest few frames
 *    of the look-ahead, see breakStat).
 *
 * Never extrapolates into a gap: a frame without a sample needs samples on both sides.
 */
export function smoothAt(samples: readonly Sample[], t: number, options: SmoothOptions): Smoothed | null {
  if (samples.length === 0) return null;
  const R = options.radius;
  if (R <= 0) {
    const exact = samples.find((s) => s.t === t);
    return exact ? { y: Float64Array.from(exact.y as ArrayLike<number>), radius: 0, quartic: 0, breaks: [] } : null;
  }
  const dims = samples[0]!.y.length;
  const testDims = Math.min(dims, options.testDims ?? dims);
  const sigma2 = options.sigma * options.sigma;
  const breaks = findBreaks(samples, t - R - ORDER_SPAN, t + R + ORDER_SPAN, options.sigma, testDims, options.breakThreshold ?? 6);
  const centre = estimateAt(samples, t, R, breaks, dims);
  if (!centre) return null;
  // The quadratic's squared bias: mean (quartic − quadratic)² less its noise, over nearby frames of this segment.
  let excess = 0;
  let count = 0;
  for (let dt = -ORDER_SPAN; dt <= ORDER_SPAN; dt++) {
    const u = t + dt;
    if (breaks.some((b) => (b - t) * (b - u) < 0)) continue;
    const e = dt === 0 ? centre : estimateAt(samples, u, R, breaks, dims);
    if (!e) continue;
    for (let j = 0; j < testDims; j++) excess += (e.quartic[j]! - e.quadratic[j]!) ** 2 - COLOURED * sigma2 * e.diffGain;
    count += testDims;
  }
  const bias2 = Math.max(0, excess / Math.max(1, count));
  const noise = COLOURED * sigma2 * centre.diffGain;
  const lambda = bias2 + noise > 0 ? bias2 / (bias2 + noise) : 0;
  const y = new Float64Array(dims);
  for (let j = 0; j < dims; j++) y[j] = centre.quadratic[j]! + lambda * (centre.quartic[j]! - centre.quadratic[j]!);
  return { y, radius: centre.reach, quartic: lambda, breaks };
}

interface Estimate {
  quadratic: Float64Array;
  quartic: Float64Array;
  /** Σ(l₄ − l₂)²: the noise variance of quartic − quadratic is σ² times this */
  diffGain: number;
  reach: number;
}

const tricube = (d: number, r: number): number => {
  const u = Math.abs(d) / (r + 1);
  const v = 1 - u * u * u;
  return v * v * v;
};

/** Quadratic and quartic local fits at t over ±R, cut at breaks (two one-sided windows at a break itself). */
function estimateAt(samples: readonly Sample[], t: number, R: number, breaks: readonly number[], dims: number): Estimate | null {
  let lo = t - R;
  let hi = t + R;
  for (const b of breaks) {
    if (b < t) lo = Math.max(lo, b);
    if (b > t) hi = Math.min(hi, b);
  }
  const windows = breaks.includes(t) ? [[lo, t], [t, hi]] : [[lo, hi]];
  const fits = windows.map(([a, b]) => fitWindow(samples.filter((s) => s.t >= a! && s.t <= b!), t, R, dims)).filter((f) => f !== null);
  if (fits.length === 0) return null;
  if (fits.length === 1) return fits[0]!;
  // Both sides end at the break: two unbiased estimates of the same point, sharing only its own sample.
  const [a, b] = fits as [Estimate, Estimate];
  return {
    quadratic: a.quadratic.map((v, j) => (v + b.quadratic[j]!) / 2),
    quartic: a.quartic.map((v, j) => (v + b.quartic[j]!) / 2),
    diffGain: (a.diffGain + b.diffGain) / 4,
    reach: Math.max(a.reach, b.reach),
  };
}

function fitWindow(picked: readonly Sample[], t: number, R: number, dims: number): Estimate | null {
  if (picked.length === 0) return null;
  const u = picked.map((s) => s.t - t);
  // Never extrapolate into a gap: a frame without a sample needs samples on both sides.
  if (!u.includes(0) && (u.every((d) => d < 0) || u.every((d) => d > 0))) return null;
  const w = u.map((d) => tricube(d, R));
  const l2 = kernel(u, w, 2);
  const l4 = kernel(u, w, 4);
  if (!l2 || !l4) return null;
  const quadratic = new Float64Array(dims);
  const quartic = new Float64Array(dims);
  let diffGain = 0;
  for (let i = 0; i < picked.length; i++) {
    const yi = picked[i]!.y;
    for (let j = 0; j < dims; j++) {
      quadratic[j]! += l2[i]! * yi[j]!;
      quartic[j]! += l4[i]! * yi[j]!;
    }
    diffGain += (l4[i]! - l2[i]!) ** 2;
  }
  return { quadratic, quartic, diffGain, reach: Math.max(...u.map(Math.abs)) };
}

/** Local polynomial kernel of at most `degree`, lowered while the fit is underdetermined. */
function kernel(u: number[], w: number[], degree: number): Float64Array | null {
  let d = Math.min(degree, u.length - 1);
  let l = polyKernel(u, w, d);
  while (!l && d > 0) l = polyKernel(u, w, --d);
  return l;
}

/**
 * Frames in [from, to] where the velocity breaks. Greedy, strongest first: a corner also raises
 * the statistic of the frames whose test span reaches it, so once a break is accepted the other
 * candidates are tested again with their spans cut there; the next strongest that still stands
 * is accepted, and so on. A candidate must also stand whichever one sample of its span is left
 * out, so that one wild detection (a spike: two corners in one) never makes a break.
 */
export function findBreaks(samples: readonly Sample[], from: number, to: number, sigma: number, testDims: number, threshold: number): number[] {
  // Breaks just outside [from, to] cut the test spans of those inside: look one span further.
  const candidates: number[] = [];
  for (let i = 0; i < samples.length; i++) {
    const t = samples[i]!.t;
    if (t >= from - BREAK_SPAN && t <= to + BREAK_SPAN) candidates.push(i);
  }
  const accepted: number[] = [];
  for (;;) {
    let best = -1;
    let bestStat = threshold;
    for (const i of candidates) {
      if (accepted.includes(samples[i]!.t)) continue;
      const strength = breakStat(samples, i, sigma, testDims, accepted);
      if (strength < bestStat || !robust(samples, i, sigma, testDims, accepted, threshold)) continue;
      best = i;
      bestStat = strength;
    }
    if (best < 0) break;
    accepted.push(samples[best]!.t);
  }
  return accepted.filter((t) => t >= from && t <= to).sort((a, b) => a - b);
}

/** The break at sample i stands with any one sample of its test span left out (that the test can spare). */
function robust(samples: readonly Sample[], i: number, sigma: number, testDims: number, breaks: readonly number[], threshold: number): boolean {
  const span = spanOf(samples, i, breaks);
  for (const j of span.rows) {
    if ((j < i && span.left <= span.minLeft) || (j > i && span.right <= span.minRight)) continue;
    if (breakStat(samples, i, sigma, testDims, breaks, j) < threshold) return false;
  }
  return true;
}

interface Span {
  /** sample i first, then its neighbours */
  rows: number[];
  left: number;
  right: number;
  /** samples each side the test needs: 2, or 1 where the data ends there (see breakStat) */
  minLeft: number;
  minRight: number;
}

/** The samples a break test at sample i fits: up to BREAK_SAMPLES each side, within BREAK_SPAN frames, not beyond a break. */
function spanOf(samples: readonly Sample[], i: number, breaks: readonly number[]): Span {
  const k = samples[i]!.t;
  let lo = k - BREAK_SPAN;
  let hi = k + BREAK_SPAN;
  for (const b of breaks) {
    if (b < k) lo = Math.max(lo, b);
    if (b > k) hi = Math.min(hi, b);
  }
  const rows = [i];
  let j = i - 1;
  for (; j >= 0 && i - 1 - j < BREAK_SAMPLES && samples[j]!.t >= lo; j--) rows.push(j);
  const left = i - 1 - j;
  const minLeft = j < 0 ? 1 : 2;
  j = i + 1;
  for (; j < samples.length && j - i - 1 < BREAK_SAMPLES && samples[j]!.t <= hi; j++) rows.push(j);
  const right = j - i - 1;
  const minRight = j >= samples.length ? 1 : 2;
  return { rows, left, right, minLeft, minRight };
}

/**
 * How strongly the velocity changes at sample i: the samples of its span (see spanOf; less
 * `leaveOut`) are fitted with 1, u, u², |u| (u = frames from i), and the |u| coefficient (half
 * the slope change) is divided by its noise std. Smooth motion up to a cubic leaves it at zero on
 * average; a reversal at 18 px/frame scores in the tens to hundreds. Returns the largest value
 * over the test coordinates, 0 where there are too few samples. Where the samples end (the
 * newest detection, a track's first) one sample on that side is enough: a corner two frames from
 * the end of the look-ahead is cut at once instead of bending the windows that reach past it,
 * and a false break there only drops a sample or two that carry little weight anyway.
 */
export function breakStat(samples: readonly Sample[], i: number, sigma: number, testDims: number, breaks: readonly number[] = [], leaveOut = -1): number {
  const span = spanOf(samples, i, breaks);
  const rows = span.rows.filter((j) => j !== leaveOut);
  const left = rows.filter((j) => j < i).length;
  const right = rows.filter((j) => j > i).length;
  if (left < span.minLeft || right < span.minRight || rows.length < 5 || !(sigma > 0)) return 0;
  const k = samples[i]!.t;
  const basis = (u: number): number[] => [1, u, u * u, Math.abs(u)];
  const a = Array.from({ length: 4 }, () => new Array<number>(4).fill(0));
  for (const j of rows) {
    const x = basis(samples[j]!.t - k);
    for (let p = 0; p < 4; p++) for (let q = 0; q < 4; q++) a[p]![q]! += x[p]! * x[q]!;
  }
  // g = A⁻¹e₃: the |u| coefficient is Σ (x_j·g) y_j, with variance σ² g₃.
  const g = solve(a, [0, 0, 0, 1]);
  if (!g || !(g[3]! > 0)) return 0;
  let best = 0;
  const sd = sigma * Math.sqrt(g[3]!);
  for (let d = 0; d < testDims; d++) {
    let c = 0;
    for (const j of rows) {
      const x = basis(samples[j]!.t - k);
      c += (x[0]! * g[0]! + x[1]! * g[1]! + x[2]! * g[2]! + x[3]! * g[3]!) * samples[j]!.y[d]!;
    }
    best = Math.max(best, Math.abs(c) / sd);
  }
  return best;
}

/**
 * Robust per-coordinate noise std from fourth differences of evenly spaced samples
 * (Var Δ⁴ = 70σ² for white noise). Fourth differences are blind to motion up to a cubic, so fast,
 * accelerating faces do not pass for noisy ones; the median ignores the few where motion turns.
 */
export function estimateNoise(samples: readonly Sample[], dims?: number): number | null {
  const diffs: number[] = [];
  for (let i = 2; i + 2 < samples.length; i++) {
    const step = samples[i]!.t - samples[i - 1]!.t;
    let even = true;
    for (let k = -2; k < 2 && even; k++) even = samples[i + k + 1]!.t - samples[i + k]!.t === step;
    if (!even) continue;
    const n = Math.min(dims ?? samples[i]!.y.length, samples[i]!.y.length);
    for (let j = 0; j < n; j++) {
      const v = samples[i - 2]!.y[j]! - 4 * samples[i - 1]!.y[j]! + 6 * samples[i]!.y[j]! - 4 * samples[i + 1]!.y[j]! + samples[i + 2]!.y[j]!;
      diffs.push(Math.abs(v));
    }
  }
  if (diffs.length < 5) return null;
  diffs.sort((p, q) => p - q);
  return (1.4826 * diffs[diffs.length >> 1]!) / Math.sqrt(70);
}
