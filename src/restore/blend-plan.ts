/**
 * The gate of the temporal blend: per pixel of the gate's grid, how much of the past to keep and
 * which history to read it from (see TemporalBlender for the design).
 */
import type { Affine } from './affine.ts';
import { FROM_FRAME, FROM_SHIFT, type BlendPlan } from './blend-sources.ts';
import { excessShifted, searchBlocks } from './block-search.ts';
import { excessRow, rangeOf, SAME_PIXEL, UNSEEN } from './blend-range.ts';
import { boxMeanRows, noiseLevel, squaredDifferenceGainRow, type GateLuma, type Grid } from './gate-kernels.ts';

/** The gate's settings, in source pixels and 8-bit levels (TemporalBlendOptions with defaults filled in). */
export interface GateOptions {
  calmLevels: number;
  changeLevels: number;
  reach: number;
  spread: number;
  noise: number;
  noiseCap: number;
  background: boolean;
  region: number;
  search: number;
}

/** The weight of the past for a local mean of excess change `v`: `strength` up to t0, 0 from t1, linear between. */
function ramp(v: number, strength: number, t0: number, t1: number): number {
  return v <= t0 ? strength : v >= t1 ? 0 : (strength * (t1 - v)) / (t1 - t0);
}

/*
 * The row sinks of planBlend's local means, as module-level functions of typed arrays and numbers
 * rather than loops inside its closures: compiled once for every face and frame, with ramp() inlined
 * and no number boxed per pixel (the closures' loops allocated about 0.7 MB a frame).
 */

/** Row `p0` of the weight from the face's local mean of excess change. */
function rampRow(face: Float32Array, weight: Float32Array, p0: number, G: number, strength: number, t0: number, t1: number): void {
  for (let x = 0, p = p0; x < G; x++, p++) weight[p] = ramp(face[x]!, strength, t0, t1);
}

/** Row `p0`: the frame's history where its region's luma matches better (`favour`), unless it has none here and the face's has. */
function chooseFrameRow(favour: Float32Array, frame: Float32Array, weight: Float32Array, source: Uint8Array, p0: number, G: number, strength: number, t0: number, t1: number): void {
  for (let x = 0, p = p0; x < G; x++, p++) {
    // the region's choice, unless it has no history here at all and the other has
    const a = ramp(frame[p]!, strength, t0, t1);
    if (favour[x]! < -0.5 ? a > 0 || weight[p] === 0 : a > 0 && weight[p] === 0) {
      weight[p] = a;
      source[p] = FROM_FRAME;
    }
  }
}

/** Row `p0`: in the blocks where something moves its own way, its history (share: the mean of the pixels that have a shift). */
function chooseShiftRow(share: Float32Array, moving: Float32Array, found: Int8Array, weight: Float32Array, source: Uint8Array, p0: number, G: number, strength: number, t0: number, t1: number): void {
  for (let x = 0, p = p0; x < G; x++, p++) {
    // in the blocks where something moves its own way, its history (which matched the block
    // better than the other ones), unless it has none at all here and the other has
    if (found[2 * p] === 0 && found[2 * p + 1] === 0) continue;
    // the mean over the pixels that have a shift, as the float it was stored as
    const a = ramp(share[x]! > 0 ? Math.fround(moving[p]! / share[x]!) : UNSEEN, strength, t0, t1);
    if (a > 0 || weight[p] === 0) {
      weight[p] = a;
      source[p] = FROM_SHIFT;
    }
  }
}

/**
 * Per gate pixel, the weight of the past and where the past is read. `back` maps crop pixels of
 * this frame to the previous crop's pixels of the same frame point; `scale` is source pixels
 * per gate pixel. The weight and source live in `z` unless `keep` (someone holds on to the plan).
 */
export function planBlend(cur: GateLuma, prev: GateLuma, back: Affine, scale: number, strength: number, o: GateOptions, z: Grid, keep: boolean): BlendPlan {
  const g = cur.g, G = z.G;
  const luma = cur.luma;
  const reachG = Math.max(1, Math.round(o.reach * scale));
  rangeOf(prev.luma, G, reachG, z);
  const r = Math.max(1, Math.round(o.spread * scale));
  const sigma = noiseLevel(luma, prev.luma, G, z);
  const allowance = Math.min(o.noiseCap, o.noise * sigma);
  const t0 = o.calmLevels, t1 = o.changeLevels;
  const weight = keep ? new Float32Array(G * G) : z.weight;
  const source = keep ? new Uint8Array(G * G) : z.source.fill(0);

  // The local means below are streamed a row at a time from the per-pixel change into their use:
  // no whole grid of change or of its mean is stored (the same values, less memory traffic).
  const past = prev.luma, lo = z.lo, hi = z.hi;
  boxMeanRows(G, r, z, (y, into) => excessRow(luma, lo, hi, SAME_PIXEL, G, allowance, y, into), (y, face) => rampRow(face, weight, y * G, G, strength, t0, t1));

  // the same map between gate pixels (a gate pixel's centre is crop pixel g·X + (g − 1)/2)
  const h = (g - 1) / 2;
  const backG: Affine = [back[0], back[1], (back[0] * h + back[1] * h + back[2] - h) / g, back[3], back[4], (back[3] * h + back[4] * h + back[5] - h) / g];
  let moved = 0;
  for (const [x, y] of [[0, 0], [G - 1, 0], [0, G - 1], [G - 1, G - 1]] as const) {
    moved = Math.max(moved, Math.hypot(backG[0] * x + backG[1] * y + backG[2] - x, backG[3] * x + backG[4] * y + backG[5] - y));
  }
  // where the face stayed put in the frame, both histories are the same: skip the second
  if (o.background && moved > 0.5 / g) {
    const frame = z.gOther;
    boxMeanRows(G, r, z, (y, into) => excessRow(luma, lo, hi, backG, G, allowance, y, into), frame);
    // Which history a region follows: the one whose luma matches better over the region (the
    // squared differences of both carry the same noise; the wrong one adds the motion's change,
    // which shows over a region even where the texture is faint).
    const R = Math.max(r, Math.round(o.region * scale));
    boxMeanRows(G, R, z, (y, into) => squaredDifferenceGainRow(luma, past, backG, G, y, into), (y, favour) => chooseFrameRow(favour, frame, weight, source, y * G, G, strength, t0, t1));
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
      excessShifted(luma, lo, hi, shifts, G, allowance, z.e, z.has);
      const moving = z.gOther;
      boxMeanRows(G, r, z, z.e, moving);
      const found = shifts;
      boxMeanRows(G, r, z, z.has, (y, share) => chooseShiftRow(share, moving, found, weight, source, y * G, G, strength, t0, t1));
    }
  }
  return { g, weight, source, back, shifts };
}
