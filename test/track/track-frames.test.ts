import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Detection, Detector } from '../../src/track/detector.ts';
import { trackFrames } from '../../src/track/track-frames.ts';
import type { Frame, Landmarks, RgbImage, TrackedFrame } from '../../src/track/types.ts';
import { YunetDetector } from '../../src/track/yunet-detector.ts';
import { describeShared, sharedPath } from '../helpers/shared.ts';
import { face } from './helpers/faces.ts';
import { loadRgb, mapLandmarks, viewAffine, warpAffine, type Affine } from './helpers/synthetic.ts';

const W = 320;
const H = 240;
/** Where YuNet puts the face in obama_720p.jpg at full size: the motion's reference points. */
const OBAMA: Landmarks = [
  [628.4, 137.1],
  [704.4, 136.9],
  [668.2, 182.2],
  [631.5, 214.8],
  [703.3, 214.8],
];

async function collect(it: AsyncIterable<TrackedFrame>): Promise<TrackedFrame[]> {
  const out: TrackedFrame[] = [];
  for await (const f of it) out.push(f);
  return out;
}

async function* framesOf(make: (t: number) => Buffer, n: number): AsyncGenerator<Frame> {
  // One buffer, overwritten for every frame, as a decoder that reuses its buffers would.
  const data = Buffer.alloc(W * H * 3);
  for (let t = 0; t < n; t++) {
    make(t).copy(data);
    yield { index: t, pts: t / 25, width: W, height: H, data };
  }
}

/** Mean ‖E(t+1) − 2E(t) + E(t−1)‖ over frames and landmarks, E = landmarks − truth. */
function jitter(got: Landmarks[], truth: Landmarks[]): number {
  let sum = 0;
  let n = 0;
  for (let t = 1; t + 1 < got.length; t++) {
    for (let k = 0; k < 5; k++) {
      const e = (s: number, j: 0 | 1) => got[s]![k]![j] - truth[s]![k]![j];
      sum += Math.hypot(e(t + 1, 0) - 2 * e(t, 0) + e(t - 1, 0), e(t + 1, 1) - 2 * e(t, 1) + e(t - 1, 1));
      n++;
    }
  }
  return sum / n;
}

describeShared('trackFrames with YuNet on synthetic clips', () => {
  let detector: YunetDetector;
  let obama: RgbImage;
  let biden: RgbImage;
  beforeAll(async () => {
    detector = await YunetDetector.create({ modelPath: sharedPath('models/face_detection_yunet_2026may.onnx') });
    obama = await loadRgb(sharedPath('media/obama_720p.jpg'));
    biden = await loadRgb(sharedPath('media/biden.jpg'));
  });
  afterAll(() => detector?.close());

  // A slow sub-pixel pan over the portrait, the face about 60 px wide.
  const pan = (t: number): Affine => viewAffine(665, 175, 0.4, 0, 160 + 0.37 * t - 5, 120 + 0.23 * t);

  it('keeps one track through a sub-pixel pan; smoothed landmarks follow the motion and jitter less', async () => {
    const out = await collect(trackFrames(framesOf((t) => warpAffine(obama, W, H, pan(t)), 30), detector));
    expect(out.map((f) => f.frame.index)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    expect(out.every((f) => f.faces.length === 1 && f.faces[0]!.trackId === 1 && f.faces[0]!.raw !== null)).toBe(true);
    expect(out.some((f) => f.sceneCut)).toBe(false);
    // Each frame kept its own pixels although the source reused one buffer.
    expect(out[0]!.frame.data.equals(warpAffine(obama, W, H, pan(0)))).toBe(true);
    const truth = out.map((f) => mapLandmarks(pan(f.frame.index), OBAMA));
    const smooth = out.map((f) => f.faces[0]!.landmarks);
    const raw = out.map((f) => f.faces[0]!.raw!);
    // YuNet's bias is its own business; what matters is that the error is steady: within 2 px
    // (the face's eyes are some 30 px apart) of its mean in every frame, the track's ends included.
    const bias = [0, 1, 2, 3, 4].map((k) => [0, 1].map((j) => smooth.reduce((s, l, t) => s + l[k]![j]! - truth[t]![k]![j]!, 0) / smooth.length));
    for (const [t, l] of smooth.entries()) {
      l.forEach((p, k) => {
        expect(Math.abs(p[0] - truth[t]![k]![0] - bias[k]![0]!)).toBeLessThan(2);
        expect(Math.abs(p[1] - truth[t]![k]![1] - bias[k]![1]!)).toBeLessThan(2);
      });
    }
    expect(jitter(smooth, truth)).toBeLessThan(0.5 * jitter(raw, truth));
  });

  it('starts new tracks at a scene cut', async () => {
    // 12 frames of one portrait, then 12 of another: 600×450 around Biden's face, shrunk to 320×240.
    const second = viewAffine(574, 374, W / 600, 0, W / 2, H / 2);
    const out = await collect(trackFrames(framesOf((t) => (t < 12 ? warpAffine(obama, W, H, pan(t)) : warpAffine(biden, W, H, second)), 24), detector));
    expect(out.filter((f) => f.sceneCut).map((f) => f.frame.index)).toEqual([12]);
    expect(out.slice(0, 12).every((f) => f.faces.map((x) => x.trackId).join() === '1')).toBe(true);
    expect(out.slice(12).every((f) => f.faces.map((x) => x.trackId).join() === '2')).toBe(true);
  });

  it('bridges two frames where the face is hidden', async () => {
    const hidden = new Set([10, 11]);
    const make = (t: number) => {
      const img = warpAffine(obama, W, H, pan(t));
      if (hidden.has(t)) for (let y = 70; y < 180; y++) img.fill(96, (y * W + 120) * 3, (y * W + 210) * 3);
      return img;
    };
    const out = await collect(trackFrames(framesOf(make, 22), detector));
    expect(out.every((f) => f.faces.length === 1 && f.faces[0]!.trackId === 1)).toBe(true);
    for (const t of hidden) {
      const f = out[t]!.faces[0]!;
      expect(f.raw).toBeNull();
      // Between the neighbours' landmarks, within a pixel of the straight line through them.
      const before = out[9]!.faces[0]!.landmarks;
      const after = out[12]!.faces[0]!.landmarks;
      const w = (t - 9) / 3;
      f.landmarks.forEach((p, k) => {
        expect(Math.abs(p[0] - (before[k]![0] + (after[k]![0] - before[k]![0]) * w))).toBeLessThan(1);
        expect(Math.abs(p[1] - (before[k]![1] + (after[k]![1] - before[k]![1]) * w))).toBeLessThan(1);
      });
    }
    expect(out.some((f) => f.sceneCut)).toBe(false);
  });
});

/** A detector that returns a fixed face after a delay and records how many calls overlap. */
class FakeDetector implements Detector {
  active = 0;
  maxActive = 0;
  calls = 0;
  async detect(_frame: RgbImage, signal?: AbortSignal): Promise<Detection[]> {
    this.calls++;
    this.active++;
    this.maxActive = Math.max(this.maxActive, this.active);
    try {
      await new Promise((r) => setTimeout(r, 2));
      signal?.throwIfAborted();
      return [face(100, 80)];
    } finally {
      this.active--;
    }
  }
  async close(): Promise<void> {}
}

async function* grey(n: number, onPull?: (i: number) => void, first = 0): AsyncGenerator<Frame> {
  for (let i = 0; i < n; i++) {
    onPull?.(i);
    yield { index: first + i, pts: i / 25, width: 64, height: 48, data: Buffer.alloc(64 * 48 * 3, 100 + (i % 3)) };
  }
}

describe('trackFrames pipeline', () => {
  it('keeps detector calls and held frames bounded while pulling lazily', async () => {
    const detector = new FakeDetector();
    let pulled = 0;
    const options = { lookAhead: 8, maxInFlight: 2 };
    let maxAhead = 0;
    for await (const f of trackFrames(grey(40, (i) => (pulled = i + 1)), detector, options)) {
      maxAhead = Math.max(maxAhead, pulled - f.frame.index);
      expect(f.faces.map((x) => x.trackId)).toEqual([1]);
    }
    expect(detector.calls).toBe(40);
    expect(detector.maxActive).toBeLessThanOrEqual(2);
    // look-ahead + in-flight + scene-cut confirmation frames
    expect(maxAhead).toBeLessThanOrEqual(8 + 2 + 3);
  });

  it('detects only every Nth frame when asked', async () => {
    const detector = new FakeDetector();
    const out = await collect(trackFrames(grey(30), detector, { detectEvery: 3, maxMisses: 2 }));
    expect(detector.calls).toBe(10);
    expect(out.filter((f) => f.faces.length === 1)).toHaveLength(28);
  });

  it('tracks a frame range: indices that start past 0', async () => {
    const out = await collect(trackFrames(grey(20, undefined, 100), new FakeDetector()));
    expect(out.map((f) => f.frame.index)).toEqual(Array.from({ length: 20 }, (_, i) => 100 + i));
    expect(out.every((f) => f.faces.length === 1)).toBe(true);
  });

  it('refuses frames that are not rgb24', async () => {
    async function* rgb48() {
      yield { index: 0, pts: 0, width: 4, height: 4, data: Buffer.alloc(4 * 4 * 6) };
    }
    await expect(collect(trackFrames(rgb48(), new FakeDetector()))).rejects.toMatchObject({ code: 'E_FRAME_FORMAT' });
  });

  it('stops with the abort reason', async () => {
    const controller = new AbortController();
    const run = collect(trackFrames(grey(1000, (i) => i === 20 && controller.abort(new Error('cancelled'))), new FakeDetector(), { signal: controller.signal }));
    await expect(run).rejects.toThrow('cancelled');
  });
});
