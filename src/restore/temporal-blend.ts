import { compose, invert, scaleOf, type Affine } from './affine.ts';
import { mix, MixRows, startChain, toBytes, type Chain } from './blend-mix.ts';
import { planBlend, type GateOptions } from './blend-plan.ts';
import type { BlendPlan } from './blend-sources.ts';
import { gateLuma, Grid, lumaOf, type GateLuma } from './gate-kernels.ts';

export { FROM_FACE, FROM_FRAME, FROM_SHIFT, type BlendPlan } from './blend-sources.ts';
export { boxMean } from './gate-kernels.ts';

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
  private readonly grids = new Map<number, Grid>();
  private readonly rows: MixRows;
  /** buffers of states no longer needed: chains, and luma planes by length */
  private readonly spare: Chain[] = [];
  private readonly spareLuma = new Map<number, Float32Array[]>();
  /** diagnostics: called with each blend's plan */
  onPlan: ((plan: BlendPlan) => void) | null = null;

  constructor(
    private readonly size: number,
    private readonly options: TemporalBlendOptions,
  ) {
    this.o = { ...DEFAULTS, ...withoutUndefined(options) };
    this.horizon = blendHorizon(options.strength);
    this.rows = new MixRows(size);
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
    const last = this.tracks.get(trackId);
    let prev = last;
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
    const luma = lumaOf(input, S, this.takeLuma(S * S));
    // The gate works on a grid of about one source pixel (a power of two of crop pixels): the
    // source holds no finer detail, and it costs a quarter or a sixteenth at large crops.
    let g = 1;
    while (g < 4 && 2 * g <= scale && (S / (2 * g)) % 1 === 0 && S / (2 * g) >= 16) g *= 2;
    const z = this.grid(S / g);
    const take = (n: number) => this.takeLuma(n);
    const gate = gateLuma(luma, S, g, Math.round((this.o.prefilter * scale) / g), z, take);
    let chains: [Chain, Chain];
    let out = restored;
    if (!prev) {
      const start = startChain(this.chainBuffers(), input, restored);
      chains = [start, start];
    } else {
      const sameGate = prev.gate.g === g && prev.gate.r === gate.r;
      const prevGate = sameGate ? prev.gate : gateLuma(prev.luma, S, g, gate.r, z, take);
      const plan = planBlend(gate, prevGate, compose(prev.toCrop, invert(toCrop)), scale / g, strength, this.o as GateOptions, z, this.onPlan !== null);
      this.onPlan?.(plan);
      if (!sameGate) this.giveGate(prevGate, prev.luma);
      // before frame H chain 1 is never used (it restarts at H), so it is not computed
      const used = [restarting !== 0, restarting !== 1 && period > 0];
      const fresh = used[0] && used[1] ? null : startChain(this.chainBuffers(), input, restored);
      chains = [fresh!, fresh!];
      const steps = [0, 1].filter((c) => used[c]).map((c) => ({ past: prev.chains[c]!, next: (chains[c] = this.chainBuffers()) }));
      out = new Uint8Array(input.length);
      // the output is rounded from the older chain as it is computed, unless that chain restarts
      const from = used[older] ? chains[older]!.residual : null;
      if (steps[0]) mix(plan, S, input, restored, steps[0], steps[1] ?? null, this.rows, from && out, from);
      if (!from) toBytes(input, chains[older]!.residual, out);
      // the previous state's buffers are free once this frame's are computed
      for (const c of new Set(prev.chains)) this.spare.push(c);
      this.spare.length = Math.min(this.spare.length, 4);
    }
    if (last) this.giveState(last);
    this.tracks.set(trackId, { toCrop, luma, gate, chains });
    return out;
  }

  private grid(G: number): Grid {
    let z = this.grids.get(G);
    if (!z) this.grids.set(G, (z = new Grid(G)));
    return z;
  }

  private chainBuffers(): Chain {
    const S = this.size;
    return this.spare.pop() ?? { residual: new Float32Array(S * S * 3), count: new Float32Array(S * S) };
  }

  private takeLuma(n: number): Float32Array {
    return this.spareLuma.get(n)?.pop() ?? new Float32Array(n);
  }

  private giveLuma(l: Float32Array): void {
    let list = this.spareLuma.get(l.length);
    if (!list) this.spareLuma.set(l.length, (list = []));
    if (list.length < 4) list.push(l);
  }

  /** A gate's luma goes back unless it is the crop's luma itself (g = 1 and no prefilter). */
  private giveGate(gate: GateLuma, luma: Float32Array): void {
    if (gate.luma !== luma) this.giveLuma(gate.luma);
  }

  /** The luma planes of a state being replaced (its chains are handed back separately, if used). */
  private giveState(s: TrackState): void {
    this.giveGate(s.gate, s.luma);
    this.giveLuma(s.luma);
  }
}

function withoutUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
