import { compose, invert, scaleOf, type Affine } from './affine.ts';

/** One blend recursion's state. */
interface Chain {
  /** the blended residual (output − input), unrounded */
  residual: Float32Array;
  /** per pixel, how many frames' worth of independent restorations the residual averages */
  count: Float32Array;
}

/** The luma the gate compares, on the gate's grid. */
interface GateLuma {
  /** crop pixels per gate pixel */
  g: number;
  /** prefilter radius, gate pixels */
  r: number;
  luma: Float32Array;
}

interface TrackState {
  toCrop: Affine;
  /** the input's luma at crop resolution */
  luma: Float32Array;
  gate: GateLuma;
  chains: [Chain, Chain];
}

/**
 * How many frames one blend chain runs before it restarts: long enough that what a restart drops
 * (the past's weight after that many frames, strength^H) is below half an 8-bit level on any
 * residual (< 1/512), so switching chains is invisible.
 */
export function blendHorizon(strength: number): number {
  if (strength <= 0) return 1;
  return Math.min(512, Math.max(8, Math.ceil(Math.log(1 / 512) / Math.log(Math.min(strength, 0.99)))));
}

/**
 * The first frame whose input a blend at `frame` depends on: with bounded history a render that
 * starts decoding there reaches `frame` in exactly the state of a run from the start of the video.
 */
export function blendHistoryStart(frame: number, strength: number): number {
  const H = blendHorizon(strength);
  return Math.max(0, (Math.floor(frame / H) - 1) * H);
}

export interface TemporalBlendOptions {
  /** weight of the previous frame's restoration where nothing changed, 0 (off) … 1 */
  strength: number;
  /**
   * Input change (8-bit luma levels beyond what sub-pixel motion and noise explain, averaged
   * locally) up to which blending keeps its full strength, and at which it stops; linear between.
   */
  calmLevels?: number;
  changeLevels?: number;
  /** low-pass of the luma the gate compares, box radius in source pixels */
  prefilter?: number;
  /** motion the gate forgives, in source pixels: the input is compared with the previous input's range over ± this */
  reach?: number;
  /** radius of the local mean of the change, in source pixels */
  spread?: number;
  /** per-pixel change forgiven, in units of the noise level estimated from the two inputs, and at most (levels) */
  noise?: number;
  noiseCap?: number;
  /** also follow content that stays put in the frame while the face moves over it (a still background) */
  background?: boolean;
  /** radius of the region whose match decides between the face's and the frame's history, in source pixels */
  region?: number;
  /** how far (source pixels) to look for content that moves with neither, such as an occluder; 0: not at all */
  search?: number;
}

const DEFAULTS: Required<Omit<TemporalBlendOptions, 'strength'>> = {
  calmLevels: 2,
  changeLevels: 10,
  prefilter: 0.5,
  reach: 1,
  spread: 1.5,
  noise: 3,
  noiseCap: 10,
  background: true,
  region: 6,
  search: 10,
};

/** Where a pixel's past is read: the same crop pixel, the same frame point, or a shifted crop pixel. */
export const FROM_FACE = 0;
export const FROM_FRAME = 1;
export const FROM_SHIFT = 2;

/** The decisions of one blend, per pixel of the gate's grid (g×g crop pixels each). */
export interface BlendPlan {
  g: number;
  /** weight of the past, 0 … strength */
  weight: Float32Array;
  /** FROM_FACE, FROM_FRAME or FROM_SHIFT */
  source: Uint8Array;
  /** current crop pixel → previous crop pixel of the same frame point */
  back: Affine;
  /** FROM_SHIFT's shift per gate pixel (x, y interleaved, gate pixels) */
  shifts: Int8Array | null;
}

/**
 * Blends each track's restoration with its previous one. What is blended is the model's residual
 * (restored − input): the current frame's own content always passes through unchanged, only the
 * restoration's frame-to-frame invention is averaged, so blending cannot ghost the picture itself.
 *
 * Where a pixel's previous residual is read is whichever history explains the current input there:
 * the face's (the same crop pixel: both crops are aligned to the smoothed landmarks, so the same
 * point of the face sits at the same crop pixel, with no warp and no blur); the frame's (the crop
 * pixel that showed the same point of the frame: a still background the face moves over, resampled
 * bilinearly), where it matches better over a region of `region` source pixels; or, in blocks of
 * about 6 source pixels that neither matches, a whole-pixel shift found by searching the previous
 * crop up to `search` source pixels away (something moving its own way: a hand, a face passing in
 * front), kept only where blocks covering 4% of the crop or more move alike, so that a single
 * changed detail — an eye opening — is never matched to a similar one nearby.
 *
 * A history explains a pixel when the current input lies inside the range the previous input takes
 * within `reach` source pixels of where it is read — sub-pixel misregistration and resampling stay
 * inside that range, an opening mouth, a blink or an uncovered background leave it — compared on
 * low-passed luma, with the noise both inputs show (`noise` × its level, estimated from the two
 * frames) forgiven, so noise, film grain and brightness flicker do not count as change. The weight
 * of the past falls from `strength` to 0 as the local mean of that excess goes from `calmLevels` to
 * `changeLevels`: a still face settles, a changing one takes the new restoration at once.
 * Decisions come from inputs, never from the model's outputs, so the model's flicker cannot turn
 * blending off. They are made on a grid of about one source pixel (the source holds no finer
 * detail), and every distance is in source pixels, so they are the same at every crop and face size.
 *
 * Each chain keeps, per pixel, how many frames its residual averages, and weighs the past by at
 * most k/(k+1) for a past of k frames (a running mean): after a cut, a new track or a change, the
 * restoration settles as fast as averaging allows, then follows the recursion at `strength`.
 *
 * Memory is bounded, so a chunk rendered on its own matches a single run exactly: two chains of
 * the same recursion run side by side, each restarting every 2H frames at fixed frame numbers
 * (chain 0 at 0, 2H, 4H…, chain 1 at H, 3H…), and each frame takes the older chain, whose history
 * is between H and 2H frames long. Every decision depends on this frame's input and the previous
 * one's only, so a frame's output depends only on the frames since blendHistoryStart(frame), never
 * on where decoding began.
 */
export class TemporalBlender {
  private readonly tracks = new Map<number, TrackState>();
  private readonly o: Required<Omit<TemporalBlendOptions, 'strength'>>;
  private readonly horizon: number;
  private readonly scratch: Scratch;
  /** diagnostics: called with each blend's plan */
  onPlan: ((plan: BlendPlan) => void) | null = null;

  constructor(
    private readonly size: number,
    private readonly options: TemporalBlendOptions,
  ) {
    this.o = { ...DEFAULTS, ...withoutUndefined(options) };
    this.horizon = blendHorizon(options.strength);
    this.scratch = new Scratch();
  }

  /** Forget every track (a scene cut). */
  reset(): void {
    this.tracks.clear();
  }

  trackIds(): number[] {
    return [...this.tracks.keys()];
  }

  forget(trackId: number): void {
    this.tracks.delete(trackId);
  }

  /**
   * Returns the crop to paste for this track at source frame number `frame` (frames of one track
   * come in increasing order); `restored` may be returned as is (no history, or blending off).
   */
  blend(trackId: number, frame: number, input: Uint8Array, restored: Uint8Array, toCrop: Affine): Uint8Array {
    const strength = this.options.strength;
    if (strength <= 0) return restored;
    const S = this.size;
    const scale = scaleOf(toCrop);
    let prev = this.tracks.get(trackId);
    if (prev) {
      const scaleRatio = scale / scaleOf(prev.toCrop);
      // A jump in scale means a different face or a failed track: start afresh.
      if (!(scaleRatio > 0.8 && scaleRatio < 1.25)) prev = undefined;
    }
    const H = this.horizon;
    const period = Math.floor(frame / H);
    // the chain that restarts at this frame, if any, and the older one, whose output is used
    const restarting = frame % H === 0 ? period % 2 : -1;
    const older = period === 0 ? 0 : (period + 1) % 2;
    const luma = lumaOf(input, S);
    // The gate works on a grid of about one source pixel (a power of two of crop pixels): the
    // source holds no finer detail, and it costs a quarter or a sixteenth at large crops.
    let g = 1;
    while (g < 4 && 2 * g <= scale && (S / (2 * g)) % 1 === 0 && S / (2 * g) >= 16) g *= 2;
    const gate = gateLuma(luma, S, g, Math.round((this.o.prefilter * scale) / g));
    let chains: [Chain, Chain];
    let out = restored;
    if (!prev) {
      const start = this.freshChain(input, restored);
      chains = [start, start];
    } else {
      const prevGate = prev.gate.g === g && prev.gate.r === gate.r ? prev.gate : gateLuma(prev.luma, S, g, gate.r);
      const plan = this.plan(gate, prevGate, compose(prev.toCrop, invert(toCrop)), scale / g, strength);
      // before frame H chain 1 is never used (it restarts at H), so it is not computed
      const used = [restarting !== 0, restarting !== 1 && period > 0];
      const fresh = used[0] && used[1] ? null : this.freshChain(input, restored);
      chains = [0, 1].map((c) => (used[c] ? this.mix(plan, input, restored, prev.chains[c]!) : fresh!)) as [Chain, Chain];
      out = toBytes(input, chains[older]!.residual);
      // the previous state's buffers are free once this frame's are computed
      for (const c of new Set(prev.chains)) this.spare.push(c);
      this.spare.length = Math.min(this.spare.length, 4);
    }
    this.tracks.set(trackId, { toCrop, luma, gate, chains });
    return out;
  }

  private readonly spare: Chain[] = [];

  private chainBuffers(): Chain {
    const S = this.size;
    return this.spare.pop() ?? { residual: new Float32Array(S * S * 3), count: new Float32Array(S * S) };
  }

  private freshChain(input: Uint8Array, restored: Uint8Array): Chain {
    const c = this.chainBuffers();
    const { residual, count } = c;
    for (let i = 0; i < residual.length; i++) residual[i] = restored[i]! - input[i]!;
    count.fill(1);
    return c;
  }

  /**
   * Per gate pixel, the weight of the past and where the past is read. `back` maps crop pixels of
   * this frame to the previous crop's pixels of the same frame point; `scale` is source pixels
   * per gate pixel.
   */
  private plan(cur: GateLuma, prev: GateLuma, back: Affine, scale: number, strength: number): BlendPlan {
    const o = this.o, g = cur.g, G = this.size / g;
    const z = this.scratch.at(G);
    const luma = cur.luma;
    const reachG = Math.max(1, Math.round(o.reach * scale));
    rangeOf(prev.luma, G, reachG, z);
    const r = Math.max(1, Math.round(o.spread * scale));
    const sigma = noiseLevel(luma, prev.luma, G, z);
    const allowance = Math.min(o.noiseCap, o.noise * sigma);
    const t0 = o.calmLevels, t1 = o.changeLevels;
    const ramp = (v: number) => (v <= t0 ? strength : v >= t1 ? 0 : (strength * (t1 - v)) / (t1 - t0));
    const weight = new Float32Array(G * G);
    const source = new Uint8Array(G * G);

    excess(luma, z.lo, z.hi, [1, 0, 0, 0, 1, 0], G, allowance, z.e);
    const face = boxMean(z.e, G, r, z, z.gFace);
    for (let p = 0; p < G * G; p++) weight[p] = ramp(face[p]!);

    // the same map between gate pixels (a gate pixel's centre is crop pixel g·X + (g − 1)/2)
    const h = (g - 1) / 2;
    const backG: Affine = [back[0], back[1], (back[0] * h + back[1] * h + back[2] - h) / g, back[3], back[4], (back[3] * h + back[4] * h + back[5] - h) / g];
    let moved = 0;
    for (const [x, y] of [[0, 0], [G - 1, 0], [0, G - 1], [G - 1, G - 1]] as const) {
      moved = Math.max(moved, Math.hypot(backG[0] * x + backG[1] * y + backG[2] - x, backG[3] * x + backG[4] * y + backG[5] - y));
    }
    // where the face stayed put in the frame, both histories are the same: skip the second
    if (o.background && moved > 0.5 / g) {
      excess(luma, z.lo, z.hi, backG, G, allowance, z.e);
      const frame = boxMean(z.e, G, r, z, z.gOther);
      // Which history a region follows: the one whose luma matches better over the region (the
      // squared differences of both carry the same noise; the wrong one adds the motion's change,
      // which shows over a region even where the texture is faint).
      const R = Math.max(r, Math.round(o.region * scale));
      const favour = boxMean(squaredDifferenceGain(luma, prev.luma, backG, G, z.e), G, R, z, z.region);
      for (let p = 0; p < G * G; p++) {
        // the region's choice, unless it has no history here at all and the other has
        const a = ramp(frame[p]!);
        if (favour[p]! < -0.5 ? a > 0 || weight[p] === 0 : a > 0 && weight[p] === 0) {
          weight[p] = a;
          source[p] = FROM_FRAME;
        }
      }
    }

    let shifts: Int8Array | null = null;
    if (o.search > 0) {
      // blocks of about 6 source pixels; shifts within the gate's reach are misregistration,
      // which the range forgives already
      const block = Math.max(4, Math.round(6 * scale));
      const far = Math.min(120, Math.max(reachG + 1, Math.round(o.search * scale)));
      shifts = searchBlocks(luma, prev.luma, weight, source, backG, 0.8 * strength, G, block, reachG, far, sigma);
      if (shifts) {
        // the local mean of the excess over the pixels that have a shift
        excessShifted(luma, z.lo, z.hi, shifts, G, allowance, z.e, z.has);
        const moving = boxMean(z.e, G, r, z, z.gOther);
        const share = boxMean(z.has, G, r, z, z.region);
        for (let p = 0; p < G * G; p++) moving[p] = share[p]! > 0 ? moving[p]! / share[p]! : UNSEEN;
        // in the blocks where something moves its own way, its history (which matched the block
        // better than the other ones), unless it has none at all here and the other has
        for (let p = 0; p < G * G; p++) {
          if (shifts[2 * p] === 0 && shifts[2 * p + 1] === 0) continue;
          const a = ramp(moving[p]!);
          if (a > 0 || weight[p] === 0) {
            weight[p] = a;
            source[p] = FROM_SHIFT;
          }
        }
      }
    }
    const plan: BlendPlan = { g, weight, source, back, shifts };
    this.onPlan?.(plan);
    return plan;
  }

  /**
   * One chain's next state: residual = (1 − w)·fresh + w·past, the past read where the plan says
   * (the weight interpolated bilinearly from the gate's grid, the source taken from the nearest
   * gate pixel), with w the plan's weight, or less while the past averages few frames: w = k/(k+1)
   * for a past of k frames is the plain running mean, so a restarted chain or a pixel that just
   * changed settles as fast as averaging allows instead of starting from one restoration's noise.
   */
  private mix(plan: BlendPlan, input: Uint8Array, restored: Uint8Array, past: Chain): Chain {
    const S = this.size;
    const { g, weight, source, back, shifts } = plan;
    const G = S / g;
    const next = this.chainBuffers();
    const out = next.residual, count = next.count;
    const R = past.residual, K = past.count;
    const { index: ix, frac: fxs } = this.scratch.upsampling(S, g);
    for (let y = 0, p = 0; y < S; y++) {
      const Y0 = ix[y]!, fy = fxs[y]!, Y1 = Y0 + 1 < G ? Y0 + 1 : Y0;
      const rowN = ((y / g) | 0) * G;
      for (let x = 0; x < S; x++, p++) {
        const X0 = ix[x]!, fx = fxs[x]!, X1 = X0 + 1 < G ? X0 + 1 : X0;
        const a =
          (weight[Y0 * G + X0]! * (1 - fx) + weight[Y0 * G + X1]! * fx) * (1 - fy) + (weight[Y1 * G + X0]! * (1 - fx) + weight[Y1 * G + X1]! * fx) * fy;
        const i = 3 * p;
        const f0 = restored[i]! - input[i]!, f1 = restored[i + 1]! - input[i + 1]!, f2 = restored[i + 2]! - input[i + 2]!;
        if (a <= 0) {
          out[i] = f0; out[i + 1] = f1; out[i + 2] = f2;
          count[p] = 1;
          continue;
        }
        const src = source[rowN + ((x / g) | 0)]!;
        let k: number, r0: number, r1: number, r2: number;
        if (src === FROM_FACE || src === FROM_SHIFT) {
          const n = 2 * (rowN + ((x / g) | 0));
          const q = src === FROM_FACE ? p : clamp(y + g * shifts![n + 1]!, S - 1) * S + clamp(x + g * shifts![n]!, S - 1);
          k = K[q]!;
          r0 = R[3 * q]!; r1 = R[3 * q + 1]!; r2 = R[3 * q + 2]!;
        } else {
          const u = clamp(back[0] * x + back[1] * y + back[2], S - 1);
          const v = clamp(back[3] * x + back[4] * y + back[5], S - 1);
          const u0 = u < S - 1 ? u | 0 : S - 2, v0 = v < S - 1 ? v | 0 : S - 2;
          const bu = u - u0, bv = v - v0;
          const w00 = (1 - bu) * (1 - bv), w10 = bu * (1 - bv), w01 = (1 - bu) * bv, w11 = bu * bv;
          const q = v0 * S + u0, j = 3 * q, l = j + 3 * S;
          k = K[q]! * w00 + K[q + 1]! * w10 + K[q + S]! * w01 + K[q + S + 1]! * w11;
          r0 = R[j]! * w00 + R[j + 3]! * w10 + R[l]! * w01 + R[l + 3]! * w11;
          r1 = R[j + 1]! * w00 + R[j + 4]! * w10 + R[l + 1]! * w01 + R[l + 4]! * w11;
          r2 = R[j + 2]! * w00 + R[j + 5]! * w10 + R[l + 2]! * w01 + R[l + 5]! * w11;
        }
        const w = a < k / (k + 1) ? a : k / (k + 1);
        out[i] = f0 + w * (r0 - f0);
        out[i + 1] = f1 + w * (r1 - f1);
        out[i + 2] = f2 + w * (r2 - f2);
        count[p] = 1 / ((1 - w) * (1 - w) + (w * w) / k);
      }
    }
    return next;
  }
}

/** Working buffers of one blender, reused from call to call, per grid size. */
class Scratch {
  private readonly grids = new Map<number, Grid>();
  private readonly tables = new Map<string, { index: Int32Array; frac: Float32Array }>();
  at(G: number): Grid {
    let z = this.grids.get(G);
    if (!z) this.grids.set(G, (z = new Grid(G)));
    return z;
  }
  /** For crop pixel x: the gate pixel at or before it and the fraction towards the next. */
  upsampling(S: number, g: number): { index: Int32Array; frac: Float32Array } {
    const key = `${S}:${g}`;
    let t = this.tables.get(key);
    if (!t) {
      const index = new Int32Array(S), frac = new Float32Array(S);
      for (let x = 0; x < S; x++) {
        const X = clamp((x - (g - 1) / 2) / g, S / g - 1);
        index[x] = Math.floor(X);
        frac[x] = X - Math.floor(X);
      }
      this.tables.set(key, (t = { index, frac }));
    }
    return t;
  }
}

class Grid {
  readonly lo: Float32Array;
  readonly hi: Float32Array;
  readonly e: Float32Array;
  readonly gFace: Float32Array;
  readonly gOther: Float32Array;
  readonly region: Float32Array;
  readonly has: Float32Array;
  readonly rowLo: Float32Array;
  readonly rowHi: Float32Array;
  readonly rows: Float64Array;
  readonly line: Float64Array;
  readonly hist = new Uint32Array(64 * 8 + 1);
  constructor(G: number) {
    const n = G * G;
    this.lo = new Float32Array(n);
    this.hi = new Float32Array(n);
    this.e = new Float32Array(n);
    this.gFace = new Float32Array(n);
    this.gOther = new Float32Array(n);
    this.region = new Float32Array(n);
    this.has = new Float32Array(n);
    this.rowLo = new Float32Array(n);
    this.rowHi = new Float32Array(n);
    this.rows = new Float64Array(n);
    this.line = new Float64Array(G);
  }
}

function withoutUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

const clamp = (v: number, max: number) => (v < 0 ? 0 : v > max ? max : v);

function toBytes(input: Uint8Array, residual: Float32Array): Uint8Array {
  const out = new Uint8Array(input.length);
  for (let i = 0; i < input.length; i++) {
    const v = input[i]! + residual[i]! + 0.5;
    out[i] = v <= 0 ? 0 : v >= 255 ? 255 : v | 0;
  }
  return out;
}

/** Luma (BT.601) of an interleaved RGB crop. */
function lumaOf(rgb: Uint8Array, S: number): Float32Array {
  const l = new Float32Array(S * S);
  for (let p = 0, i = 0; p < S * S; p++, i += 3) l[p] = 0.299 * rgb[i]! + 0.587 * rgb[i + 1]! + 0.114 * rgb[i + 2]!;
  return l;
}

/** The gate's luma: the mean over g×g crop pixels, box-filtered with radius r (gate pixels). */
function gateLuma(luma: Float32Array, S: number, g: number, r: number): GateLuma {
  const G = S / g;
  let l = luma;
  if (g > 1) {
    l = new Float32Array(G * G);
    const n = 1 / (g * g);
    for (let Y = 0; Y < G; Y++) {
      for (let X = 0; X < G; X++) {
        let sum = 0;
        for (let j = 0; j < g; j++) for (let i = 0, o = (Y * g + j) * S + X * g; i < g; i++) sum += luma[o + i]!;
        l[Y * G + X] = sum * n;
      }
    }
  }
  return { g, r, luma: r > 0 ? boxMean(l, G, r) : l };
}

/** Minimum and maximum of `src` over the (2r+1)² window around each pixel (edges clamped) into z.lo, z.hi. */
function rangeOf(src: Float32Array, S: number, r: number, z: Grid): void {
  const tlo = z.rowLo, thi = z.rowHi;
  for (let y = 0; y < S; y++) {
    const row = y * S;
    for (let x = 0; x < S; x++) {
      let lo = Infinity, hi = -Infinity;
      const a = x > r ? x - r : 0, b = x + r < S ? x + r : S - 1;
      for (let k = row + a; k <= row + b; k++) {
        const v = src[k]!;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      tlo[row + x] = lo;
      thi[row + x] = hi;
    }
  }
  const lo = z.lo, hi = z.hi;
  for (let y = 0; y < S; y++) {
    const a = y > r ? y - r : 0, b = y + r < S ? y + r : S - 1;
    const row = y * S;
    lo.set(tlo.subarray(a * S, a * S + S), row);
    hi.set(thi.subarray(a * S, a * S + S), row);
    for (let yy = a + 1; yy <= b; yy++) {
      const o = yy * S;
      for (let x = 0; x < S; x++) {
        if (tlo[o + x]! < lo[row + x]!) lo[row + x] = tlo[o + x]!;
        if (thi[o + x]! > hi[row + x]!) hi[row + x] = thi[o + x]!;
      }
    }
  }
}

/**
 * The noise level of the gate's luma, from two consecutive inputs: the median of |cur − prev| over
 * the crop (most of a face does not change from one frame to the next, whatever the noise does) as
 * the standard deviation of one frame's noise, assuming it is Gaussian and independent per frame.
 */
function noiseLevel(cur: Float32Array, prev: Float32Array, S: number, z: Grid): number {
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

/** Outside the previous crop: change enough that no blending happens there. */
const UNSEEN = 255;

/**
 * Per pixel, how far the current luma lies outside the previous range [lo, hi] at the nearest
 * crop pixel to back(p), less `allowance`, into `out`.
 */
function excess(cur: Float32Array, lo: Float32Array, hi: Float32Array, back: Affine, S: number, allowance: number, out: Float32Array): void {
  for (let y = 0, p = 0; y < S; y++) {
    let u = back[1] * y + back[2], v = back[4] * y + back[5];
    for (let x = 0; x < S; x++, p++, u += back[0], v += back[3]) {
      if (!(u > -0.5 && v > -0.5 && u < S - 0.5 && v < S - 0.5)) {
        out[p] = UNSEEN;
        continue;
      }
      const q = Math.round(v) * S + Math.round(u);
      const c = cur[p]!;
      const d = c < lo[q]! ? lo[q]! - c : c > hi[q]! ? c - hi[q]! : 0;
      out[p] = d > allowance ? d - allowance : 0;
    }
  }
}

/**
 * How much worse the frame's history matches than the face's, per pixel: (cur − prev at back(p))²
 * − (cur − prev)², 0 outside the previous crop; into `out`.
 */
function squaredDifferenceGain(cur: Float32Array, prev: Float32Array, back: Affine, S: number, out: Float32Array): Float32Array {
  for (let y = 0, p = 0; y < S; y++) {
    let u = back[1] * y + back[2], v = back[4] * y + back[5];
    for (let x = 0; x < S; x++, p++, u += back[0], v += back[3]) {
      const c = cur[p]!;
      // no say where the frame's history does not exist: the gate rules that out on its own
      out[p] = u > -0.5 && v > -0.5 && u < S - 0.5 && v < S - 0.5 ? (c - prev[Math.round(v) * S + Math.round(u)]!) ** 2 - (c - prev[p]!) ** 2 : 0;
    }
  }
  return out;
}

/**
 * Per block of `block`² gate pixels whose history does not match (its weight below `below` on
 * average, or a truncated squared difference well above the noise), a shift of the previous luma
 * by whole pixels, beyond `least` and up to `reach`, that matches the whole block within the noise
 * and at least twice as well as its history: first the shifts other blocks found, then, for at most
 * 128 blocks, every shift (tried on a quarter of the block's pixels, the best on all of them). Only
 * shifts of groups of neighbouring blocks covering 4% of the grid are kept. Null if none is.
 */
function searchBlocks(cur: Float32Array, prev: Float32Array, weight: Float32Array, source: Uint8Array, back: Affine, below: number, G: number, block: number, least: number, reach: number, noise: number): Int8Array | null {
  const T2 = 24 * 24;
  // a match: within the noise of two frames and what a shift by whole pixels leaves (RMS 8 levels)
  const good = Math.max(64, 6 * noise * noise);
  const shifts = new Int8Array(2 * G * G);
  const tried: Array<[number, number]> = [];
  // full searches find the motions; blocks beyond this many only try the motions found
  let searches = 128;
  const vectors: Array<[number, number, number, number, number, number]> = [];
  let found = false;
  // the block's pixels: x, y and value, all of them and every other one in both directions
  const all = { x: new Int32Array(block * block), y: new Int32Array(block * block), c: new Float32Array(block * block), n: 0 };
  const sparse = { x: new Int32Array(block * block), y: new Int32Array(block * block), c: new Float32Array(block * block), n: 0 };
  /** truncated sum of squared differences of `at` shifted by (dx, dy); stops once past `stop` */
  const cost = (at: typeof all, dx: number, dy: number, stop: number): number => {
    let sum = 0;
    for (let k = 0; k < at.n && sum < stop; k++) {
      const x = at.x[k]! + dx, y = at.y[k]! + dy;
      if (x < 0 || y < 0 || x >= G || y >= G) {
        sum += T2;
        continue;
      }
      const d = at.c[k]! - prev[y * G + x]!;
      sum += d * d < T2 ? d * d : T2;
    }
    return sum;
  };
  for (let by = 0; by < G; by += block) {
    for (let bx = 0; bx < G; bx += block) {
      const ye = Math.min(G, by + block), xe = Math.min(G, bx + block);
      // searched where the history the block follows does not match (the gate forgives fine
      // texture moving its own way, a sum of squared differences does not)
      let sum = 0, miss = 0;
      for (let y = by; y < ye; y++) {
        for (let x = bx; x < xe; x++) {
          const p = y * G + x;
          sum += weight[p]!;
          let q = p;
          if (source[p] === FROM_FRAME) {
            const u = Math.round(back[0] * x + back[1] * y + back[2]), v = Math.round(back[3] * x + back[4] * y + back[5]);
            q = u >= 0 && v >= 0 && u < G && v < G ? v * G + u : -1;
          }
          const d = q < 0 ? T2 : (cur[p]! - prev[q]!) ** 2;
          miss += d < T2 ? d : T2;
        }
      }
      const area = (ye - by) * (xe - bx);
      if (sum >= below * area && miss <= 2 * good * area) continue;
      // the whole block is matched: an object moves as a whole, a changed detail beside unchanged
      // skin does not; every shift is tried on a quarter of the pixels, the best on all of them
      all.n = sparse.n = 0;
      for (let y = by; y < ye; y++) {
        for (let x = bx; x < xe; x++) {
          for (const at of (x & 1) === 0 && (y & 1) === 0 ? [all, sparse] : [all]) {
            at.x[at.n] = x; at.y[at.n] = y; at.c[at.n] = cur[y * G + x]!; at.n++;
          }
        }
      }
      const accept = (c: number) => c < miss / 2 && c < good * all.n;
      // first the shifts other blocks found (an object spans many), then every shift beyond `least`
      let vx = 0, vy = 0, ok = false;
      let bestTried = Infinity;
      for (const [dx, dy] of tried) {
        const c = cost(all, dx, dy, bestTried);
        if (c < bestTried) [bestTried, vx, vy] = [c, dx, dy];
      }
      ok = accept(bestTried);
      if (!ok && searches > 0) {
        searches--;
        let best = Infinity;
        for (let j = -reach; j <= reach; j++) {
          for (let i = -reach; i <= reach; i++) {
            if (Math.abs(i) <= least && Math.abs(j) <= least) continue;
            const c = cost(sparse, i, j, best);
            if (c < best) [best, vx, vy] = [c, i, j];
          }
        }
        ok = best < Infinity && accept(cost(all, vx, vy, Infinity));
        if (ok && tried.length < 16) tried.push([vx, vy]);
      }
      if (!ok) continue;
      vectors.push([bx, by, xe, ye, vx, vy]);
    }
  }
  // Something moving its own way over the face is an object (a hand, another face), far larger
  // than an eye or a mouth: keep only shifts of groups of neighbouring blocks that cover 4% of the
  // crop or more, their shifts differing by a pixel at most from one block to the next (an object
  // may turn or zoom), so a single changed detail (an eye opening) is never matched to another one.
  const cols = Math.ceil(G / block);
  const at = new Map<number, number>();
  vectors.forEach(([bx, by], k) => at.set((by / block) * cols + bx / block, k));
  const parent = vectors.map((_, k) => k);
  const root = (k: number): number => (parent[k] === k ? k : (parent[k] = root(parent[k]!)));
  vectors.forEach(([bx, by, , , vx, vy], k) => {
    for (const [dx, dy] of [[1, 0], [0, 1]] as const) {
      const n = at.get((by / block + dy) * cols + bx / block + dx);
      if (n === undefined || bx / block + dx >= cols) continue;
      const [, , , , ux, uy] = vectors[n]!;
      if (Math.abs(ux - vx) <= 1 && Math.abs(uy - vy) <= 1) parent[root(n)] = root(k);
    }
  });
  const area = new Map<number, number>();
  vectors.forEach(([bx, by, xe, ye], k) => area.set(root(k), (area.get(root(k)) ?? 0) + (xe - bx) * (ye - by)));
  vectors.forEach(([bx, by, xe, ye, vx, vy], k) => {
    if (area.get(root(k))! < 0.04 * G * G) return;
    found = true;
    for (let y = by; y < ye; y++) {
      for (let x = bx; x < xe; x++) {
        shifts[2 * (y * G + x)] = vx;
        shifts[2 * (y * G + x) + 1] = vy;
      }
    }
  });
  return found ? shifts : null;
}

/** excess() with each pixel's own shift (UNSEEN where it leaves the crop), and `has` 1 where it has one, else 0. */
function excessShifted(cur: Float32Array, lo: Float32Array, hi: Float32Array, shifts: Int8Array, G: number, allowance: number, out: Float32Array, has: Float32Array): void {
  for (let y = 0, p = 0; y < G; y++) {
    for (let x = 0; x < G; x++, p++) {
      const dx = shifts[2 * p]!, dy = shifts[2 * p + 1]!;
      const u = x + dx, v = y + dy;
      has[p] = dx === 0 && dy === 0 ? 0 : 1;
      if (!has[p]) {
        out[p] = 0;
      } else if (u < 0 || v < 0 || u >= G || v >= G) {
        out[p] = UNSEEN;
      } else {
        const q = v * G + u;
        const c = cur[p]!;
        const d = c < lo[q]! ? lo[q]! - c : c > hi[q]! ? c - hi[q]! : 0;
        out[p] = d > allowance ? d - allowance : 0;
      }
    }
  }
}

/** Mean over a (2r+1)² window (edges clamped: the mean of the part inside) into `out`, separably. */
export function boxMean(src: Float32Array, S: number, r: number, scratch?: Grid, out: Float32Array = new Float32Array(S * S)): Float32Array {
  const z = scratch ?? new Grid(S);
  const rows = z.rows;
  // horizontal window sums
  for (let y = 0; y < S; y++) {
    const o = y * S;
    let sum = 0;
    for (let x = 0; x < r && x < S; x++) sum += src[o + x]!;
    for (let x = 0; x < S; x++) {
      if (x + r < S) sum += src[o + x + r]!;
      if (x - r - 1 >= 0) sum -= src[o + x - r - 1]!;
      rows[o + x] = sum;
    }
  }
  // vertical window sums, a row at a time, divided by the window's area
  const line = z.line.fill(0);
  for (let y = 0; y < r && y < S; y++) for (let x = 0; x < S; x++) line[x]! += rows[y * S + x]!;
  for (let y = 0; y < S; y++) {
    if (y + r < S) {
      const o = (y + r) * S;
      for (let x = 0; x < S; x++) line[x]! += rows[o + x]!;
    }
    if (y - r - 1 >= 0) {
      const o = (y - r - 1) * S;
      for (let x = 0; x < S; x++) line[x]! -= rows[o + x]!;
    }
    const h = Math.min(S - 1, y + r) - Math.max(0, y - r) + 1;
    const o = y * S;
    for (let x = 0; x < S; x++) out[o + x] = line[x]! / (h * (Math.min(S - 1, x + r) - Math.max(0, x - r) + 1));
  }
  return out;
}
