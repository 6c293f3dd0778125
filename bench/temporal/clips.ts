/**
 * The benchmark's clips: stills moved by known motion (slow sub-pixel pans, zooms, rotations,
 * fast motion of 15–25 px per frame, scene cuts, faces crossing, a crowd), with degradations.
 * A clip is a list of segments (scenes); each segment is a stack of layers and the faces on them.
 */
import path from 'node:path';
import type { Detection, Detector } from '../../src/track/index.ts';
import {
  backdrop,
  cropImage,
  ellipseAlpha,
  loadStill,
  placeAt,
  type Degradation,
  type FloatImage,
  type Layer,
  type Pt,
} from './render.ts';

export type Landmarks5 = readonly [Pt, Pt, Pt, Pt, Pt];

export interface FaceSpec {
  /** layer the face is painted on */
  layer: number;
  /** the still's own detection, in the layer image's pixels: only to pick the face out (the reference is measured later) */
  rough: Landmarks5;
}

export interface Segment {
  frames: number;
  layers: Layer[];
  faces: FaceSpec[];
}

export interface ClipSpec {
  name: string;
  motion: string;
  width: number;
  height: number;
  fps: number;
  segments: Segment[];
  degrade: Degradation[];
  /** fast motion (15–25 px per frame): the ghosting target applies */
  fast: boolean;
  seed: number;
}

export const iodOf = (l: readonly Pt[]): number => Math.hypot(l[0]![0] - l[1]![0], l[0]![1] - l[1]![1]);
const centreOf = (l: readonly Pt[]): Pt => [l.reduce((s, p) => s + p[0], 0) / l.length, l.reduce((s, p) => s + p[1], 0) / l.length];
const scaleLm = (l: readonly Pt[], k: number, dx = 0, dy = 0): Landmarks5 => l.map((p) => [p[0] * k - dx, p[1] * k - dy] as Pt) as unknown as Landmarks5;

/** Detections on each still at its full resolution, by file name. */
export type StillDetections = Map<string, Detection[]>;

export async function detectStills(detector: Detector, media: string, files: readonly string[]): Promise<StillDetections> {
  const sharp = (await import('sharp')).default;
  const out: StillDetections = new Map();
  for (const f of files) {
    const { data, info } = await sharp(path.join(media, f)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const found = await detector.detect({ width: info.width, height: info.height, data });
    out.set(f, found.filter((d) => d.score >= 0.8));
  }
  return out;
}

interface Ctx {
  media: string;
  stills: StillDetections;
}

const largest = (ds: readonly Detection[]): Detection => ds.reduce((a, b) => (iodOf(b.landmarks) > iodOf(a.landmarks) ? b : a));

/** The picture inside a still's black borders, where it has them: [left, top, width, height]. */
const CONTENT: Record<string, readonly [number, number, number, number]> = { 'obama_720p.jpg': [340, 0, 600, 720] };

/** The whole still as an opaque layer (mirrored beyond its edges), scaled so its main face has inter-ocular `iod`. */
async function stillLayer(ctx: Ctx, file: string, iod: number, pose: (anchor: Pt) => (t: number) => ReturnType<typeof placeAt>, scaleFrom?: 'median'): Promise<{ layer: Layer; faces: FaceSpec[]; anchor: Pt }> {
  const dets = ctx.stills.get(file)!;
  const ref = scaleFrom === 'median' ? [...dets].sort((a, b) => iodOf(a.landmarks) - iodOf(b.landmarks))[dets.length >> 1]! : largest(dets);
  const k = iod / iodOf(ref.landmarks);
  const crop = CONTENT[file];
  const image = await loadStill(path.join(ctx.media, file), k, crop);
  const [dx, dy] = crop ? [crop[0] * k, crop[1] * k] : [0, 0];
  const anchor = centreOf(scaleLm(ref.landmarks, k, dx, dy));
  const layer: Layer = { image, pose: pose(anchor), alpha: null };
  return { layer, faces: dets.map((d) => ({ layer: -1, rough: scaleLm(d.landmarks, k, dx, dy) })), anchor };
}

/** The main face of a still cut out with a soft elliptical alpha (a sprite), at inter-ocular `iod`. */
async function faceSprite(ctx: Ctx, file: string, iod: number, pick: (ds: readonly Detection[]) => Detection = largest): Promise<{ image: FloatImage; alpha: Float32Array; rough: Landmarks5; anchor: Pt }> {
  const d = pick(ctx.stills.get(file)!);
  const k = iod / iodOf(d.landmarks);
  const still = await loadStill(path.join(ctx.media, file), k);
  const [bx, by, bw, bh] = d.box.map((v) => v * k) as [number, number, number, number];
  const side = Math.ceil(2.1 * Math.max(bw, bh));
  const x0 = Math.round(bx + bw / 2 - side / 2);
  const y0 = Math.round(by + bh / 2 - side / 2 - 0.08 * bh);
  const image = cropImage(still, x0, y0, side, side);
  const rough = scaleLm(d.landmarks, k, x0, y0);
  const cx = bx + bw / 2 - x0, cy = by + bh / 2 - y0 - 0.08 * bh;
  const alpha = ellipseAlpha(side, side, cx, cy, 0.78 * bw, 0.74 * bh);
  return { image, alpha, rough, anchor: centreOf(rough) };
}

const TAU = 2 * Math.PI;
const tri = (t: number, period: number): number => {
  // triangle wave in [-1, 1], slope ±4/period
  const p = (((t / period) % 1) + 1) % 1;
  return p < 0.5 ? 4 * p - 1 : 3 - 4 * p;
};

export const CLIP_NAMES = ['pan', 'zoom-blur', 'rotate-noise', 'fast-sine-grain', 'fast-zigzag-jpeg', 'fast-circle-zoom', 'cuts', 'crossing', 'crowd'] as const;
export type ClipName = (typeof CLIP_NAMES)[number];

export async function buildClip(name: ClipName, ctx: Ctx, seconds: number): Promise<ClipSpec> {
  const fps = 24;
  const n = Math.round(seconds * fps);
  const single = (frames: number, l: { layer: Layer; faces: FaceSpec[] }): Segment => ({ frames, layers: [l.layer], faces: l.faces.map((f) => ({ ...f, layer: 0 })) });
  const spriteScene = async (frames: number, w: number, h: number, sprites: Array<{ file: string; iod: number; pose: (anchor: Pt) => (t: number) => ReturnType<typeof placeAt> }>, seed: number): Promise<Segment> => {
    const bg = backdrop(w, h, seed);
    const layers: Layer[] = [{ image: bg, pose: () => [1, 0, 0, 0, 1, 0], alpha: null }];
    const faces: FaceSpec[] = [];
    for (const s of sprites) {
      const sp = await faceSprite(ctx, s.file, s.iod);
      layers.push({ image: sp.image, alpha: sp.alpha, pose: s.pose(sp.anchor) });
      faces.push({ layer: layers.length - 1, rough: sp.rough });
    }
    return { frames, layers, faces };
  };
  switch (name) {
    case 'pan': {
      // Slow, smooth, sub-pixel camera pan over a still portrait: raw YuNet's own jitter.
      const l = await stillLayer(ctx, 'obama_720p.jpg', 34, (a) => (t) => placeAt(a, [135 + 0.9 * t + 5 * Math.sin((TAU * t) / 50), 78 + 0.1 * t - 3 * Math.sin((TAU * t) / 70)], 1));
      return { name, motion: 'pan 0.4–1.5 px/f', width: 320, height: 240, fps, segments: [single(n, l)], degrade: [], fast: false, seed: 1 };
    }
    case 'zoom-blur': {
      const l = await stillLayer(ctx, 'biden.jpg', 34, (a) => (t) => placeAt(a, [160 + 8 * Math.sin((TAU * t) / n), 112 + 0.25 * t], 1 + 0.3 * (1 - Math.cos((TAU * t) / n)) / 2));
      return { name, motion: 'zoom 1→1.3→1', width: 320, height: 240, fps, segments: [single(n, l)], degrade: [{ kind: 'blur', sigma: 1.2 }], fast: false, seed: 2 };
    }
    case 'rotate-noise': {
      const l = await stillLayer(ctx, 'obama_720p.jpg', 34, (a) => (t) => placeAt(a, [150 + 0.5 * t, 84], 1, 0.14 * Math.sin((TAU * t) / 48)));
      return { name, motion: 'rotate ±8°', width: 320, height: 240, fps, segments: [single(n, l)], degrade: [{ kind: 'noise', sigma: 6 }], fast: false, seed: 3 };
    }
    case 'fast-sine-grain': {
      // Peak speed 150·2π/43 ≈ 22 px/frame across the frame and back.
      const seg = await spriteScene(n, 480, 360, [{ file: 'obama_720p.jpg', iod: 40, pose: (a) => (t) => placeAt(a, [240 + 150 * Math.sin((TAU * t) / 43), 180 + 25 * Math.sin((TAU * t) / 29)], 1) }], 14);
      return { name, motion: 'sine, ≤22 px/f', width: 480, height: 360, fps, segments: [seg], degrade: [{ kind: 'grain', sigma: 8, size: 0.8 }], fast: true, seed: 4 };
    }
    case 'fast-zigzag-jpeg': {
      // 18 px/frame with a hard reversal every 14 frames: corners no smooth curve fits.
      const seg = await spriteScene(n, 480, 360, [{ file: 'biden.jpg', iod: 40, pose: (a) => (t) => placeAt(a, [240 + 126 * tri(t + 7, 28), 170 + 0.6 * t], 1) }], 15);
      return { name, motion: 'zigzag 18 px/f', width: 480, height: 360, fps, segments: [seg], degrade: [{ kind: 'jpeg', quality: 30 }], fast: true, seed: 5 };
    }
    case 'fast-circle-zoom': {
      // Circling at 20 px/frame while zooming ±20% and turning ±6°: up to ~25 px/frame at the landmarks.
      const seg = await spriteScene(n, 480, 360, [{ file: 'obama_720p.jpg', iod: 38, pose: (a) => (t) => placeAt(a, [240 + 120 * Math.cos(t / 6), 180 + 100 * Math.sin(t / 6)], 1 + 0.2 * Math.sin((TAU * t) / 36), 0.1 * Math.sin((TAU * t) / 30)) }], 16);
      return { name, motion: 'circle 20 px/f + zoom', width: 480, height: 360, fps, segments: [seg], degrade: [{ kind: 'noise', sigma: 3 }], fast: true, seed: 6 };
    }
    case 'cuts': {
      const m = Math.round(n / 3) + 6;
      const a = await stillLayer(ctx, 'obama_720p.jpg', 34, (p) => (t) => placeAt(p, [135 + 0.9 * t, 78 + 0.1 * t], 1));
      const b = await stillLayer(ctx, 'biden.jpg', 34, (p) => (t) => placeAt(p, [160 - 0.5 * t, 118], 1.1 + 0.006 * t));
      const c = await stillLayer(ctx, 'obama_720p.jpg', 34, (p) => (t) => placeAt(p, [185 - 1.1 * t, 110], 1.35, -0.08));
      return { name, motion: '3 shots, 2 cuts', width: 320, height: 240, fps, segments: [single(m, a), single(m, b), single(m, c)], degrade: [{ kind: 'jpeg', quality: 60 }], fast: false, seed: 7 };
    }
    case 'crossing': {
      // Three faces crossing paths in the middle of the frame (they occlude one another there).
      const seg = await spriteScene(n, 480, 360, [
        { file: 'biden.jpg', iod: 36, pose: (a) => (t) => placeAt(a, [420 - (320 * t) / n, 215], 1) },
        { file: 'solvay_1927.png', iod: 34, pose: (a) => (t) => placeAt(a, [235 + 15 * Math.sin(t / 9), 60 + (240 * t) / n], 1) },
        { file: 'obama_720p.jpg', iod: 34, pose: (a) => (t) => placeAt(a, [60 + (340 * t) / n, 140 + 12 * Math.sin(t / 10)], 1) },
      ], 17);
      return { name, motion: '3 faces crossing, ≤5 px/f', width: 480, height: 360, fps, segments: [seg], degrade: [{ kind: 'noise', sigma: 4 }], fast: false, seed: 8 };
    }
    case 'crowd': {
      // The Solvay photograph (already degraded), small faces, slow pan and zoom.
      const l = await stillLayer(ctx, 'solvay_1927.png', 21, (a) => (t) => placeAt(a, [a[0] - 560 + 0.8 * t, a[1] - 12 + 0.2 * t], 1 + (0.06 * t) / n), 'median');
      return { name, motion: 'pan + zoom, small faces', width: 480, height: 360, fps, segments: [single(n, l)], degrade: [], fast: false, seed: 9 };
    }
  }
}

/** Global frame → (segment, local frame). */
export function locate(clip: ClipSpec, t: number): { seg: number; local: number } {
  let start = 0;
  for (let s = 0; s < clip.segments.length; s++) {
    const f = clip.segments[s]!.frames;
    if (t < start + f) return { seg: s, local: t - start };
    start += f;
  }
  throw new RangeError(`frame ${t} is beyond the clip`);
}

export const totalFrames = (clip: ClipSpec): number => clip.segments.reduce((s, g) => s + g.frames, 0);

/** First frame of each segment after the first: where the cuts are. */
export function cutFrames(clip: ClipSpec): number[] {
  const cuts: number[] = [];
  let start = 0;
  for (const s of clip.segments.slice(0, -1)) cuts.push((start += s.frames));
  return cuts;
}
