import { compose, invert, scaleOf, type Affine } from './affine.ts';

interface TrackState {
  toCrop: Affine;
  input: Uint8Array;
  output: Uint8Array;
}

export interface TemporalBlendOptions {
  /** weight of the previous output where nothing changed, 0 (off) … 1; about 0.6 keeps detail */
  strength: number;
  /** input change (8-bit levels, local mean) at which blending stops entirely */
  changeLevels?: number;
}

/**
 * Blends each track's restored crop with its previous one in aligned space. The previous crop is
 * first carried into the current alignment (the two transforms differ as the face moves); then,
 * per pixel, the weight of the past falls with how much the *input* changed there, so a still face
 * settles (the GAN's frame-to-frame invention averages out) while a moving mouth or a turning head
 * takes the new restoration at once (no ghosting). Decisions come from inputs, never from the
 * model's outputs, so the model's own flicker cannot switch blending off. What is blended is the
 * model's change to its input (restored − input), so below the change threshold the current
 * frame's real content is never replaced by the previous frame's: a model that changes nothing
 * (identity) comes out exactly the same with blending on or off.
 */
export class TemporalBlender {
  private readonly tracks = new Map<number, TrackState>();
  private readonly changeLevels: number;

  constructor(
    private readonly size: number,
    private readonly options: TemporalBlendOptions,
  ) {
    this.changeLevels = options.changeLevels ?? 14;
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

  /** Returns the crop to paste; `restored` may be returned as is (no history, or blending off). */
  blend(trackId: number, input: Uint8Array, restored: Uint8Array, toCrop: Affine): Uint8Array {
    const prev = this.tracks.get(trackId);
    const strength = this.options.strength;
    let out = restored;
    if (prev && strength > 0) {
      const scaleRatio = scaleOf(toCrop) / scaleOf(prev.toCrop);
      // A jump in scale means a different face or a failed track: start afresh.
      if (scaleRatio > 0.8 && scaleRatio < 1.25) out = this.mix(prev, input, restored, toCrop, strength);
    }
    this.tracks.set(trackId, { toCrop, input, output: out });
    return out;
  }

  private mix(prev: TrackState, input: Uint8Array, restored: Uint8Array, toCrop: Affine, strength: number): Uint8Array {
    const S = this.size;
    const curToPrev = compose(prev.toCrop, invert(toCrop));
    const prevIn = new Float32Array(S * S * 3);
    const prevOut = new Float32Array(S * S * 3);
    const valid = warpPair(prev.input, prev.output, S, curToPrev, prevIn, prevOut);
    // per-pixel luma change of the input, then its local mean (grain and noise average out)
    const change = new Float32Array(S * S);
    for (let p = 0, i = 0; p < S * S; p++, i += 3) {
      const d = 0.299 * (input[i]! - prevIn[i]!) + 0.587 * (input[i + 1]! - prevIn[i + 1]!) + 0.114 * (input[i + 2]! - prevIn[i + 2]!);
      change[p] = Math.abs(d);
    }
    const local = boxMean(change, S, Math.max(1, Math.round(S / 64)));
    const out = new Uint8Array(S * S * 3);
    const tau = this.changeLevels;
    for (let p = 0, i = 0; p < S * S; p++, i += 3) {
      let a = 0;
      if (valid[p]) {
        const t = 1 - local[p]! / tau;
        a = t > 0 ? strength * t * t : 0;
      }
      // Blend what the model added (output − input), not the pictures themselves: the current
      // input's own content (its motion, its grain) always passes through, only the restoration's
      // frame-to-frame variation is averaged. Where the input did not change this equals blending
      // the outputs.
      for (let c = i; c < i + 3; c++) {
        const v = restored[c]! + a * (prevOut[c]! - prevIn[c]! - (restored[c]! - input[c]!));
        out[c] = v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
      }
    }
    return out;
  }
}

/** Bilinear resampling of two same-geometry crops through `m`; marks pixels that fell outside. */
function warpPair(a: Uint8Array, b: Uint8Array, S: number, m: Affine, outA: Float32Array, outB: Float32Array): Uint8Array {
  const valid = new Uint8Array(S * S);
  for (let v = 0; v < S; v++) {
    for (let u = 0; u < S; u++) {
      const x = m[0] * u + m[1] * v + m[2];
      const y = m[3] * u + m[4] * v + m[5];
      if (!(x >= 0 && y >= 0 && x <= S - 1 && y <= S - 1)) continue;
      const p = v * S + u;
      valid[p] = 1;
      const x0 = Math.floor(x), y0 = Math.floor(y);
      const x1 = x0 + 1 < S ? x0 + 1 : x0, y1 = y0 + 1 < S ? y0 + 1 : y0;
      const fx = x - x0, fy = y - y0;
      const w00 = (1 - fx) * (1 - fy), w10 = fx * (1 - fy), w01 = (1 - fx) * fy, w11 = fx * fy;
      const i00 = (y0 * S + x0) * 3, i10 = (y0 * S + x1) * 3, i01 = (y1 * S + x0) * 3, i11 = (y1 * S + x1) * 3;
      for (let c = 0; c < 3; c++) {
        outA[p * 3 + c] = a[i00 + c]! * w00 + a[i10 + c]! * w10 + a[i01 + c]! * w01 + a[i11 + c]! * w11;
        outB[p * 3 + c] = b[i00 + c]! * w00 + b[i10 + c]! * w10 + b[i01 + c]! * w01 + b[i11 + c]! * w11;
      }
    }
  }
  return valid;
}

/** Mean over a (2r+1)² window, edges clamped, via a summed-area table. */
function boxMean(src: Float32Array, S: number, r: number): Float32Array {
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
