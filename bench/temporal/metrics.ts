/**
 * The benchmark's measures (see README-section.md for their definitions). Pure functions of
 * landmarks, masks and frames; no I/O.
 */
import { alignmentTransform } from '../../src/restore/align.ts';
import { faceMask } from '../../src/restore/mask.ts';
import type { Pt } from './render.ts';
import type { Correspondence, Truth } from './reference.ts';

export interface ObservedFace {
  trackId: number;
  raw: readonly Pt[] | null;
  landmarks: readonly Pt[];
}

export interface FrameObservation {
  t: number;
  faces: readonly ObservedFace[];
  truths: readonly Truth[];
}

export interface LandmarkStats {
  /** mean ‖E(t+1) − 2E(t) + E(t−1)‖ / inter-ocular distance, raw detections */
  rawJitter: number;
  /** the same for the smoothed landmarks, on the same frame triples */
  smoothJitter: number;
  /** √mean ‖E(t)‖² / inter-ocular², raw and smoothed, on frames that have a raw detection */
  rawRmse: number;
  smoothRmse: number;
  /** frame triples and frames the numbers above average over */
  triples: number;
  frames: number;
  /** true faces scored */
  faces: number;
  /** fraction of visible face-frames that a track followed */
  coverage: number;
  /** extra track ids beyond one per true face */
  idSwitches: number;
}

interface Entry {
  trackId: number;
  raw: readonly Pt[] | null;
  smooth: readonly Pt[];
  truth: readonly Pt[];
  iod: number;
}

const meanDist = (a: readonly Pt[], b: readonly Pt[]): number => a.reduce((s, p, k) => s + Math.hypot(p[0] - b[k]![0], p[1] - b[k]![1]), 0) / a.length;

/**
 * Pairs each visible true face with the tracked face whose smoothed landmarks lie nearest (within
 * half an inter-ocular distance, each track used once per frame), then scores raw and smoothed
 * landmarks against the truth.
 */
export function landmarkStats(frames: readonly FrameObservation[]): LandmarkStats {
  const series = new Map<string, Map<number, Entry>>();
  let visible = 0;
  let matched = 0;
  for (const f of frames) {
    const pairs: Array<[number, Truth, ObservedFace]> = [];
    for (const truth of f.truths) {
      if (!truth.visible) continue;
      visible++;
      for (const face of f.faces) {
        const d = meanDist(face.landmarks, truth.landmarks) / truth.iod;
        if (d < 0.5) pairs.push([d, truth, face]);
      }
    }
    pairs.sort((a, b) => a[0] - b[0]);
    const usedT = new Set<string>();
    const usedF = new Set<number>();
    for (const [, truth, face] of pairs) {
      if (usedT.has(truth.key) || usedF.has(face.trackId)) continue;
      usedT.add(truth.key);
      usedF.add(face.trackId);
      matched++;
      let s = series.get(truth.key);
      if (!s) series.set(truth.key, (s = new Map()));
      s.set(f.t, { trackId: face.trackId, raw: face.raw, smooth: face.landmarks, truth: truth.landmarks, iod: truth.iod });
    }
  }
  let jr = 0, js = 0, triples = 0, er = 0, es = 0, n = 0, switches = 0;
  for (const s of series.values()) {
    switches += new Set([...s.values()].map((e) => e.trackId)).size - 1;
    for (const [t, e] of s) {
      if (e.raw) {
        n++;
        for (let k = 0; k < 5; k++) {
          er += ((e.raw[k]![0] - e.truth[k]![0]) ** 2 + (e.raw[k]![1] - e.truth[k]![1]) ** 2) / e.iod ** 2;
          es += ((e.smooth[k]![0] - e.truth[k]![0]) ** 2 + (e.smooth[k]![1] - e.truth[k]![1]) ** 2) / e.iod ** 2;
        }
      }
      const a = s.get(t - 1), c = s.get(t + 1);
      if (!a || !c || !a.raw || !e.raw || !c.raw || a.trackId !== e.trackId || c.trackId !== e.trackId) continue;
      triples++;
      jr += secondDiff(a.raw, e.raw, c.raw, a.truth, e.truth, c.truth) / e.iod;
      js += secondDiff(a.smooth, e.smooth, c.smooth, a.truth, e.truth, c.truth) / e.iod;
    }
  }
  return {
    rawJitter: jr / Math.max(1, triples),
    smoothJitter: js / Math.max(1, triples),
    rawRmse: Math.sqrt(er / Math.max(1, 5 * n)),
    smoothRmse: Math.sqrt(es / Math.max(1, 5 * n)),
    triples,
    frames: n,
    faces: series.size,
    coverage: visible > 0 ? matched / visible : 0,
    idSwitches: switches,
  };
}

/** Mean over the 5 points of ‖E(t+1) − 2E(t) + E(t−1)‖, E = landmarks − truth. */
export function secondDiff(a: readonly Pt[], b: readonly Pt[], c: readonly Pt[], ta: readonly Pt[], tb: readonly Pt[], tc: readonly Pt[]): number {
  let s = 0;
  for (let k = 0; k < 5; k++) {
    const dx = c[k]![0] - tc[k]![0] - 2 * (b[k]![0] - tb[k]![0]) + (a[k]![0] - ta[k]![0]);
    const dy = c[k]![1] - tc[k]![1] - 2 * (b[k]![1] - tb[k]![1]) + (a[k]![1] - ta[k]![1]);
    s += Math.hypot(dx, dy);
  }
  return s / 5;
}

/**
 * The paste mask of a frame in frame pixels: for each face, faceMask(S) carried through the
 * alignment transform of its (smoothed) landmarks and sampled bilinearly; the maximum over faces.
 */
export function frameMask(faces: ReadonlyArray<{ landmarks: readonly Pt[] }>, width: number, height: number, size: number): Float32Array {
  const out = new Float32Array(width * height);
  const mask = faceMask(size);
  const S = size;
  for (const f of faces) {
    const m = alignmentTransform(f.landmarks as Array<[number, number]>, 'gpen', S);
    const det = m[0] * m[4] - m[1] * m[3];
    const inv = [m[4] / det, -m[1] / det, 0, -m[3] / det, m[0] / det, 0];
    inv[2] = -(inv[0]! * m[2] + inv[1]! * m[5]);
    inv[5] = -(inv[3]! * m[2] + inv[4]! * m[5]);
    const cs = [[0, 0], [S - 1, 0], [0, S - 1], [S - 1, S - 1]].map(([u, v]) => [inv[0]! * u! + inv[1]! * v! + inv[2]!, inv[3]! * u! + inv[4]! * v! + inv[5]!]);
    const x0 = Math.max(0, Math.floor(Math.min(...cs.map((p) => p[0]!))));
    const x1 = Math.min(width - 1, Math.ceil(Math.max(...cs.map((p) => p[0]!))));
    const y0 = Math.max(0, Math.floor(Math.min(...cs.map((p) => p[1]!))));
    const y1 = Math.min(height - 1, Math.ceil(Math.max(...cs.map((p) => p[1]!))));
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        const u = m[0] * x + m[1] * y + m[2];
        const v = m[3] * x + m[4] * y + m[5];
        if (!(u >= 0 && v >= 0 && u <= S - 1 && v <= S - 1)) continue;
        const ux = Math.floor(u), vy = Math.floor(v);
        const ux1 = Math.min(S - 1, ux + 1), vy1 = Math.min(S - 1, vy + 1);
        const fx = u - ux, fy = v - vy;
        const a = (mask[vy * S + ux]! * (1 - fx) + mask[vy * S + ux1]! * fx) * (1 - fy) + (mask[vy1 * S + ux]! * (1 - fx) + mask[vy1 * S + ux1]! * fx) * fy;
        const o = y * width + x;
        if (a > out[o]!) out[o] = a;
      }
    }
  }
  return out;
}

/** Root mean square accumulator. */
export class Rms {
  sum = 0;
  count = 0;
  add(v: number): void {
    this.sum += v * v;
    this.count++;
  }
  get value(): number {
    return this.count > 0 ? Math.sqrt(this.sum / this.count) : NaN;
  }
}

export const inFace = (m: number): boolean => m >= 0.5;
export const inSeam = (m: number): boolean => m > 0.05 && m < 0.95;

/**
 * Flicker between frames t−1 and t: the change the restoration added on top of the input's own
 * change, (out(t) − out(t−1)) − (in(t) − in(t−1)), every channel of every pixel that is face in
 * both frames into `face`, and every pixel on the mask's soft edge in either frame into `seam`.
 */
export function addFlicker(inPrev: Uint8Array, inCur: Uint8Array, outPrev: Uint8Array, outCur: Uint8Array, maskPrev: Float32Array, maskCur: Float32Array, face: Rms, seam: Rms): void {
  for (let p = 0; p < maskCur.length; p++) {
    const a = maskPrev[p]!, b = maskCur[p]!;
    const isFace = inFace(a) && inFace(b);
    const isSeam = inSeam(a) || inSeam(b);
    if (!isFace && !isSeam) continue;
    for (let c = p * 3; c < p * 3 + 3; c++) {
      const d = outCur[c]! - outPrev[c]! - (inCur[c]! - inPrev[c]!);
      if (isFace) face.add(d);
      if (isSeam) seam.add(d);
    }
  }
}

/**
 * Flicker as the face sees it: the restoration's contribution r = output − input at a point of
 * frame t against r at the same point of the picture in frame t−1 (from the known motion; both
 * sampled bilinearly at the correspondence's positions), so a restoration that stays put on a
 * moving face counts as stable. Face: the mask is ≥ 0.5 at both ends; seam: soft at either end.
 */
export function addMatchedFlicker(inPrev: Uint8Array, inCur: Uint8Array, outPrev: Uint8Array, outCur: Uint8Array, maskPrev: Float32Array, maskCur: Float32Array, width: number, height: number, match: Correspondence, face: Rms, seam: Rms): void {
  const rc = new Float64Array(3), rp = new Float64Array(3);
  for (let p = 0; p < width * height; p++) {
    const cx = match.cur[2 * p]!, px = match.prev[2 * p]!;
    if (Number.isNaN(cx) || Number.isNaN(px)) continue;
    const cy = match.cur[2 * p + 1]!, py = match.prev[2 * p + 1]!;
    const a = maskPrev[Math.round(py) * width + Math.round(px)]!, b = maskCur[Math.round(cy) * width + Math.round(cx)]!;
    const isFace = inFace(a) && inFace(b);
    const isSeam = inSeam(a) || inSeam(b);
    if (!isFace && !isSeam) continue;
    contribution(inCur, outCur, width, height, cx, cy, rc);
    contribution(inPrev, outPrev, width, height, px, py, rp);
    for (let c = 0; c < 3; c++) {
      const d = rc[c]! - rp[c]!;
      if (isFace) face.add(d);
      if (isSeam) seam.add(d);
    }
  }
}

/** output − input at (x, y), bilinear, per channel. */
function contribution(input: Uint8Array, output: Uint8Array, W: number, H: number, x: number, y: number, out: Float64Array): void {
  const x0 = Math.min(W - 1, Math.max(0, Math.floor(x))), y0 = Math.min(H - 1, Math.max(0, Math.floor(y)));
  const x1 = Math.min(W - 1, x0 + 1), y1 = Math.min(H - 1, y0 + 1);
  const fx = x - x0, fy = y - y0;
  const w = [(1 - fx) * (1 - fy), fx * (1 - fy), (1 - fx) * fy, fx * fy];
  const idx = [(y0 * W + x0) * 3, (y0 * W + x1) * 3, (y1 * W + x0) * 3, (y1 * W + x1) * 3];
  for (let c = 0; c < 3; c++) {
    let v = 0;
    for (let k = 0; k < 4; k++) v += w[k]! * (output[idx[k]! + c]! - input[idx[k]! + c]!);
    out[c] = v;
  }
}

/** Squared error of the output against the source over the face region, for a pooled PSNR. */
export function addFaceError(src: Uint8Array, out: Uint8Array, mask: Float32Array, acc: Rms): void {
  for (let p = 0; p < mask.length; p++) {
    if (!inFace(mask[p]!)) continue;
    for (let c = p * 3; c < p * 3 + 3; c++) acc.add(out[c]! - src[c]!);
  }
}

export const psnr = (rms: number): number => (rms > 0 ? 20 * Math.log10(255 / rms) : Infinity);
