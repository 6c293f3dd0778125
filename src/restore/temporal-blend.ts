import { scaleOf, type Affine } from './affine.ts';

interface TrackState {
  toCrop: Affine;
  input: Uint8Array;
  /** each chain's last output */
  output: [Uint8Array, Uint8Array];
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
  /** input change (8-bit levels, outside the previous frame's local range) at which blending stops */
  changeLevels?: number;
}

/**
 * Blends each track's restoration with its previous one in aligned space. Both crops are aligned
 * to the same (smoothed) landmarks, so the same point of the face sits at the same crop pixel in
 * both: no warp is needed, and none is done. Per pixel, the weight of the past falls with how far
 * the current input lies outside the previous input's 3×3 range there — sub-pixel misregistration
 * stays inside that range, while an opening mouth or a blink leaves it — so a still face settles
 * and a changing one takes the new restoration at once. What is blended is the model's residual
 * (restored − input): the current frame's own content always passes through unchanged, only the
 * restoration's frame-to-frame invention is averaged, so blending cannot ghost the picture itself.
 * Decisions come from inputs, never from the model's outputs, so the model's flicker cannot turn
 * blending off.
 *
 * Memory is bounded, so a chunk rendered on its own matches a single run exactly: two chains of
 * the same recursion run side by side, each restarting every 2H frames at fixed frame numbers
 * (chain 0 at 0, 2H, 4H…, chain 1 at H, 3H…), and each frame takes the older chain, whose history
 * is between H and 2H frames long. A frame's output therefore depends only on the frames since
 * blendHistoryStart(frame), never on where decoding began.
 */
export class TemporalBlender {
  private readonly tracks = new Map<number, TrackState>();
  private readonly changeLevels: number;

  private readonly horizon: number;

  constructor(
    private readonly size: number,
    private readonly options: TemporalBlendOptions,
  ) {
    this.changeLevels = options.changeLevels ?? 12;
    this.horizon = blendHorizon(options.strength);
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
    let prev = this.tracks.get(trackId);
    if (prev) {
      const scaleRatio = scaleOf(toCrop) / scaleOf(prev.toCrop);
      // A jump in scale means a different face or a failed track: start afresh.
      if (!(scaleRatio > 0.8 && scaleRatio < 1.25)) prev = undefined;
    }
    const H = this.horizon;
    const period = Math.floor(frame / H);
    // the chain that restarts at this frame, if any, and the older one, whose output is used
    const restarting = frame % H === 0 ? period % 2 : -1;
    const older = period === 0 ? 0 : (period + 1) % 2;
    const outputs: [Uint8Array, Uint8Array] = [restored, restored];
    if (prev) {
      const gate = this.gate(input, prev.input);
      for (const c of [0, 1] as const) {
        // before frame H chain 1 is never used (it restarts at H), so it is not computed
        if (c !== restarting && !(c === 1 && period === 0)) outputs[c] = this.mix(gate, prev.input, prev.output[c], input, restored, strength);
      }
    }
    this.tracks.set(trackId, { toCrop, input, output: outputs });
    return outputs[older]!;
  }

  /** Per pixel, how far the input left the previous input's local range, smoothed. */
  private gate(input: Uint8Array, prevInput: Uint8Array): Float32Array {
    const S = this.size;
    return boxMean(rangeExcess(input, prevInput, S), S, Math.max(1, Math.round(S / 128)));
  }

  private mix(local: Float32Array, pIn: Uint8Array, pOut: Uint8Array, input: Uint8Array, restored: Uint8Array, strength: number): Uint8Array {
    const S = this.size;
    const out = new Uint8Array(S * S * 3);
    const tau = this.changeLevels;
    for (let p = 0, i = 0; p < S * S; p++, i += 3) {
      const t = 1 - local[p]! / tau;
      const a = t > 0 ? strength * t : 0;
      for (let c = i; c < i + 3; c++) {
        const v = restored[c]! + a * (pOut[c]! - pIn[c]! - (restored[c]! - input[c]!));
        out[c] = v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
      }
    }
    return out;
  }
}

/**
 * Per pixel, how far (luma, 8-bit levels) the current input lies outside the range of the previous
 * input over the 3×3 neighbourhood at the same place: 0 for anything a sub-pixel shift explains.
 */
function rangeExcess(cur: Uint8Array, prev: Uint8Array, S: number): Float32Array {
  const luma = (d: Uint8Array) => {
    const l = new Float32Array(S * S);
    for (let p = 0, i = 0; p < S * S; p++, i += 3) l[p] = 0.299 * d[i]! + 0.587 * d[i + 1]! + 0.114 * d[i + 2]!;
    return l;
  };
  const c = luma(cur);
  const q = luma(prev);
  const out = new Float32Array(S * S);
  for (let y = 0; y < S; y++) {
    const y0 = y > 0 ? y - 1 : 0, y1 = y < S - 1 ? y + 1 : S - 1;
    for (let x = 0; x < S; x++) {
      const x0 = x > 0 ? x - 1 : 0, x1 = x < S - 1 ? x + 1 : S - 1;
      let lo = 255, hi = 0;
      for (let yy = y0; yy <= y1; yy++) {
        for (let xx = x0; xx <= x1; xx++) {
          const v = q[yy * S + xx]!;
          if (v < lo) lo = v;
          if (v > hi) hi = v;
        }
      }
      const v = c[y * S + x]!;
      out[y * S + x] = v < lo ? lo - v : v > hi ? v - hi : 0;
    }
  }
  return out;
}

/** Mean over a (2r+1)² window, edges clamped, via a summed-area table. */
export function boxMean(src: Float32Array, S: number, r: number): Float32Array {
  const sat = new Float64Array((S + 1) * (S + 1));
  for (let y = 0; y < S; y++) {
    let row = 0;
    for (let x = 0; x < S; x++) {
      row += src[y * S + x]!;
      sat[(y + 1) * (S + 1) + x + 1] = sat[y * (S + 1) + x + 1]! + row;
    }
  }
  const out = new Float32Array(S * S);
  for (let y = 0; y < S; y++) {
    const ya = Math.max(0, y - r), yb = Math.min(S, y + r + 1);
    for (let x = 0; x < S; x++) {
      const xa = Math.max(0, x - r), xb = Math.min(S, x + r + 1);
      const sum = sat[yb * (S + 1) + xb]! - sat[ya * (S + 1) + xb]! - sat[yb * (S + 1) + xa]! + sat[ya * (S + 1) + xa]!;
      out[y * S + x] = sum / ((yb - ya) * (xb - xa));
    }
  }
  return out;
}
