import sharp from 'sharp';
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
  const side = Math.max(bw, bh) * CONTEXT;
  const left = Math.max(0, Math.floor(bx + bw / 2 - side / 2));
  const top = Math.max(0, Math.floor(by + bh / 2 - side / 2));
  const width = Math.min(image.width - left, Math.ceil(side));
  const height = Math.min(image.height - top, Math.ceil(side));
  if (width < 8 || height < 8) return null;
  const outW = Math.round(width * zoom);
  const outH = Math.round(height * zoom);
  const big = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .extract({ left, top, width, height })
    .resize(outW, outH, { kernel: 'cubic', fit: 'fill' })
    .raw()
    .toBuffer();
  const padW = padTo32(outW);
  const padH = padTo32(outH);
  const outputs = await run(toPlanarBgr(big, outW, outH, padW, padH), padW, padH);
  const found = decodeYunet(outputs, { inputWidth: padW, inputHeight: padH, scaleX: 1, scaleY: 1 }, 0.3);
  // back to frame pixels: output pixel centre i sits at input (i + 0.5)·(in/out) − 0.5
  const sx = width / outW, sy = height / outH;
  const toFrame = (x: number, y: number): [number, number] => [left + (x + 0.5) * sx - 0.5, top + (y + 0.5) * sy - 0.5];
  const cx = bx + bw / 2, cy = by + bh / 2;
  let best: Detection | null = null;
  let bestDist = Infinity;
  for (const f of found) {
    const [fx, fy] = toFrame(f.box[0] + f.box[2] / 2, f.box[1] + f.box[3] / 2);
    const dist = Math.hypot(fx - cx, fy - cy);
    const sizeRatio = (f.box[2] * sx) / bw;
    if (dist < bw * 0.35 && sizeRatio > 0.6 && sizeRatio < 1.6 && dist < bestDist) {
      best = f;
      bestDist = dist;
    }
  }
  return best ? (best.landmarks.map(([x, y]) => toFrame(x, y)) as Landmarks) : null;
}
