import { clampByte, sampleCubic } from '../restore/cubic.ts';
import type { Detection } from './detector.ts';
import { toPlanarBgr } from './planar-bgr.ts';
import type { Landmarks, RgbImage } from './types.ts';
import { decodeYunet } from './yunet-decode.ts';
import type { YunetRun } from './yunet-detect.ts';
import { padTo32 } from './yunet-pyramid.ts';

export interface RefineOptions {
  /** faces narrower than this (px) get a second, magnified look (default 48; 0 turns it off) */
  refineBelow?: number;
  /** face width the magnified look aims for, px (default 120) */
  refineTarget?: number;
  /** at most this many faces refined per frame, largest gain first (default 48) */
  refineMax?: number;
}

const CONTEXT = 2.5;
const MAX_ZOOM = 8;

/**
 * YuNet's landmarks are least precise on faces of a few dozen pixels, exactly the faces of old
 * group shots and wide film frames: a tight mouth or eye estimate there changes the crop's scale
 * by 10–20%. Each small face is detected again on a magnified cut-out around it (cubic
 * upscaling, so the face is ~120 px wide), and the landmarks of the detection nearest its centre
 * replace the coarse ones. Box and score stay those of the full-frame detection.
 */
export async function refineSmallFaces(image: RgbImage, detections: Detection[], run: YunetRun, options: RefineOptions = {}): Promise<Detection[]> {
  const below = options.refineBelow ?? 48;
  const target = options.refineTarget ?? 120;
  if (below <= 0) return detections;
  const small = detections.filter((d) => d.box[2] < below).sort((a, b) => a.box[2] - b.box[2]).slice(0, options.refineMax ?? 48);
  if (small.length === 0) return detections;
  const refined = new Map<Detection, Landmarks>();
  for (const d of small) {
    const lm = await refineOne(image, d, run, Math.min(MAX_ZOOM, target / Math.max(1, d.box[2])));
    if (lm) refined.set(d, lm);
  }
  return detections.map((d) => (refined.has(d) ? { ...d, landmarks: refined.get(d)! } : d));
}

async function refineOne(image: RgbImage, d: Detection, run: YunetRun, zoom: number): Promise<Landmarks | null> {
  const [bx, by, bw, bh] = d.box;
  const cx = bx + bw / 2, cy = by + bh / 2;
  const side = Math.max(bw, bh) * CONTEXT;
  const n = Math.max(32, Math.round(side * zoom));
  // The cut-out is centred on the face with sub-pixel precision (no snapping to whole pixels, which
  // would make the refined landmarks jump as a face drifts) and magnified with cubic interpolation.
  const x0 = cx - side / 2, y0 = cy - side / 2;
  const toFrame = (x: number, y: number): [number, number] => [x0 + (x + 0.5) / zoom - 0.5, y0 + (y + 0.5) / zoom - 0.5];
  const big = new Uint8Array(n * n * 3);
  const acc = new Float64Array(3);
  for (let v = 0, o = 0; v < n; v++) {
    const y = y0 + (v + 0.5) / zoom - 0.5;
    for (let u = 0; u < n; u++, o += 3) {
      sampleCubic(image.data, image.width, image.height, x0 + (u + 0.5) / zoom - 0.5, y, acc);
      big[o] = clampByte(acc[0]!);
      big[o + 1] = clampByte(acc[1]!);
      big[o + 2] = clampByte(acc[2]!);
    }
  }
  const pad = padTo32(n);
  const outputs = await run(toPlanarBgr(big, n, n, pad, pad), pad, pad);
  const found = decodeYunet(outputs, { inputWidth: pad, inputHeight: pad, scaleX: 1, scaleY: 1 }, 0.3);
  let best: Detection | null = null;
  let bestDist = Infinity;
  for (const f of found) {
    const [fx, fy] = toFrame(f.box[0] + f.box[2] / 2, f.box[1] + f.box[3] / 2);
    const dist = Math.hypot(fx - cx, fy - cy);
    const sizeRatio = f.box[2] / zoom / bw;
    if (dist < bw * 0.35 && sizeRatio > 0.6 && sizeRatio < 1.6 && dist < bestDist) {
      best = f;
      bestDist = dist;
    }
  }
  return best ? (best.landmarks.map(([x, y]) => toFrame(x, y)) as Landmarks) : null;
}
