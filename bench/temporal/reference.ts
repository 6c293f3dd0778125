/**
 * Ground truth. Each face's reference landmarks are measured once, in its layer's own pixels, by
 * running the project's YuNet detector on clean renders of the clip (a few poses × sub-pixel
 * shifts, so the face is seen at the clip's scale and sampling) and mapping every detection back
 * through the known pose; the per-coordinate median is the reference. The truth in frame t is
 * that reference carried by the layer's pose at t: a trajectory exactly as smooth as the motion.
 */
import type { Detector } from '../../src/track/index.ts';
import { cutFrames, iodOf, locate, totalFrames, type ClipSpec, type Landmarks5 } from './clips.ts';
import { applyAffine, invertAffine, layerAlphaAt, renderFrame, shifted, topLayerMap, uniform, type Pt } from './render.ts';

export interface FaceRef {
  /** "segment:face" */
  key: string;
  seg: number;
  face: number;
  layer: number;
  landmarks: Landmarks5;
  /** detections that went into the median */
  samples: number;
}

export interface Truth {
  key: string;
  landmarks: Landmarks5;
  iod: number;
  /** fully inside the frame and not covered by a layer in front */
  visible: boolean;
}

const SHIFTS: Pt[] = [[0, 0], [0.5, 0.25], [0.25, 0.5], [0.75, 0.75]];
const POSES_PER_SEGMENT = 6;

const mapLm = (m: Parameters<typeof applyAffine>[0], l: readonly Pt[]): Landmarks5 => l.map((p) => applyAffine(m, p)) as unknown as Landmarks5;
const meanDist = (a: readonly Pt[], b: readonly Pt[]): number => a.reduce((s, p, k) => s + Math.hypot(p[0] - b[k]![0], p[1] - b[k]![1]), 0) / a.length;

export async function measureReferences(clip: ClipSpec, detector: Detector): Promise<FaceRef[]> {
  const refs: FaceRef[] = [];
  for (const [s, seg] of clip.segments.entries()) {
    const collected = seg.faces.map(() => [] as Landmarks5[]);
    for (let i = 0; i < POSES_PER_SEGMENT; i++) {
      const t = Math.round(((i + 0.5) * seg.frames) / POSES_PER_SEGMENT);
      for (const shift of SHIFTS) {
        const frame = renderFrame(seg.layers, t, clip.width, clip.height, shift);
        const data = new Uint8Array(frame.length);
        for (let j = 0; j < frame.length; j++) data[j] = Math.max(0, Math.min(255, Math.round(frame[j]!)));
        const found = await detector.detect({ width: clip.width, height: clip.height, data });
        seg.faces.forEach((f, fi) => {
          const pose = shifted(seg.layers[f.layer]!.pose(t), shift[0], shift[1]);
          const expected = mapLm(pose, f.rough);
          if (!isVisible(clip, seg.layers, f.layer, t, expected)) return;
          const iod = iodOf(expected);
          let best: Landmarks5 | null = null;
          let bestD = 0.35 * iod;
          for (const d of found) {
            const dist = meanDist(d.landmarks, expected);
            if (dist < bestD) [best, bestD] = [d.landmarks as unknown as Landmarks5, dist];
          }
          if (best) collected[fi]!.push(mapLm(invertAffine(pose), best));
        });
      }
    }
    seg.faces.forEach((f, fi) => {
      const got = collected[fi]!;
      if (got.length < 3) return; // never seen clearly: not a face the benchmark can score
      const median = (v: number[]) => {
        const a = [...v].sort((x, y) => x - y);
        return a.length % 2 ? a[a.length >> 1]! : (a[a.length / 2 - 1]! + a[a.length / 2]!) / 2;
      };
      const landmarks = [0, 1, 2, 3, 4].map((k) => [median(got.map((l) => l[k]![0])), median(got.map((l) => l[k]![1]))] as Pt) as unknown as Landmarks5;
      refs.push({ key: `${s}:${fi}`, seg: s, face: fi, layer: f.layer, landmarks, samples: got.length });
    });
  }
  return refs;
}

function isVisible(clip: ClipSpec, layers: ClipSpec['segments'][number]['layers'], layer: number, t: number, lm: readonly Pt[]): boolean {
  const iod = iodOf(lm);
  const m = 0.6 * iod;
  const xs = lm.map((p) => p[0]), ys = lm.map((p) => p[1]);
  if (Math.min(...xs) - m < 0 || Math.min(...ys) - m < 0 || Math.max(...xs) + m > clip.width - 1 || Math.max(...ys) + m > clip.height - 1) return false;
  // Covered by a layer in front at any landmark: the detector cannot be asked about it.
  for (let j = layer + 1; j < layers.length; j++) {
    if (lm.some((p) => layerAlphaAt(layers[j]!, t, p) > 0.3)) return false;
  }
  return true;
}

/** Every measured face's true landmarks in global frame t (faces of other segments are absent). */
export function truthAt(clip: ClipSpec, refs: readonly FaceRef[], t: number): Truth[] {
  const { seg, local } = locate(clip, t);
  const layers = clip.segments[seg]!.layers;
  return refs
    .filter((r) => r.seg === seg)
    .map((r) => {
      const landmarks = mapLm(layers[r.layer]!.pose(local), r.landmarks);
      return { key: r.key, landmarks, iod: iodOf(landmarks), visible: isVisible(clip, layers, r.layer, local, landmarks) };
    });
}

/** Where one point of the picture is in frame t and in frame t−1: x, y pairs, NaN where unusable. */
export interface Correspondence {
  cur: Float32Array;
  prev: Float32Array;
}

/**
 * One point per pixel of frame t, jittered within the pixel, and where the same point of the same
 * layer was in frame t−1 (from the known motion); NaN where it was hidden, outside the frame or in
 * another scene. Both ends land at random sub-pixel positions, so sampling them bilinearly smooths
 * both frames alike.
 */
export function matchPrevious(clip: ClipSpec, t: number): Correspondence {
  const { width: W, height: H } = clip;
  const cur = new Float32Array(W * H * 2).fill(NaN);
  const prev = new Float32Array(W * H * 2).fill(NaN);
  const { seg, local } = locate(clip, t);
  if (local === 0) return { cur, prev };
  const layers = clip.segments[seg]!.layers;
  const topCur = topLayerMap(layers, local, W, H);
  const topPrev = topLayerMap(layers, local - 1, W, H);
  const maps = layers.map((l) => ({ back: invertAffine(l.pose(local)), prev: l.pose(local - 1) }));
  const jitter = uniform(clip.seed * 7919 + t);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const p = y * W + x;
      const c: Pt = [x + jitter() - 0.5, y + jitter() - 0.5];
      const j = topCur[p]!;
      const q = applyAffine(maps[j]!.prev, applyAffine(maps[j]!.back, c));
      const qx = Math.round(q[0]), qy = Math.round(q[1]);
      if (q[0] < 0 || q[1] < 0 || q[0] > W - 1 || q[1] > H - 1 || topPrev[qy * W + qx] !== j) continue;
      cur[2 * p] = c[0]; cur[2 * p + 1] = c[1];
      prev[2 * p] = q[0]; prev[2 * p + 1] = q[1];
    }
  }
  return { cur, prev };
}

export { cutFrames, totalFrames };
