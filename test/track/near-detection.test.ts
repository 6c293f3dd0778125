import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Detection } from '../../src/track/detector.ts';
import { trackFrames } from '../../src/track/track-frames.ts';
import type { Box, Frame, RgbImage, TrackedFrame } from '../../src/track/types.ts';
import { levelWindows, WINDOW_CONTEXT } from '../../src/track/yunet-detect.ts';
import { YunetDetector } from '../../src/track/yunet-detector.ts';
import { describeShared, sharedPath } from '../helpers/shared.ts';
import { loadRgb, viewAffine, warpAffine } from './helpers/synthetic.ts';

describe('detection windows', () => {
  const level = { width: 1280, height: 720 };

  it('sit on the 32-pixel grid, keep WINDOW_CONTEXT inside cut edges, and fall back to the whole level when large', () => {
    const ws = levelWindows([[600, 300, 60, 70]], level, level)!;
    expect(ws).toHaveLength(1);
    const w = ws[0]!;
    expect(w.x0 % 32).toBe(0);
    expect(w.y0 % 32).toBe(0);
    expect(w.width % 32).toBe(0);
    expect(w.height % 32).toBe(0);
    // the face's box lies inside the kept cells, which lie WINDOW_CONTEXT inside every cut edge
    expect(w.keep[0]).toBeLessThanOrEqual(600);
    expect(w.keep[2]).toBeGreaterThanOrEqual(660);
    expect(w.keep[0] - w.x0).toBe(WINDOW_CONTEXT);
    expect(w.x0 + w.width - w.keep[2]).toBeGreaterThanOrEqual(WINDOW_CONTEXT);
    // at the level's border the window sees what the whole level sees: nothing to keep away from
    const edge = levelWindows([[0, 0, 50, 50]], level, level)![0]!;
    expect(edge.keep.slice(0, 2)).toEqual([0, 0]);
    // two overlapping windows merge; faces spread over the frame make it cheaper to run it whole
    expect(levelWindows([[600, 300, 60, 70], [640, 320, 60, 70]], level, level)).toHaveLength(1);
    expect(levelWindows([[100, 100, 300, 300], [800, 250, 300, 300]], level, level)).toBeNull();
    // nothing expected: nothing to run
    expect(levelWindows([], level, level)).toEqual([]);
  });

  it('scale boxes from the source to the level', () => {
    const w = levelWindows([[900, 450, 90, 90]], { width: 1280, height: 720 }, { width: 1920, height: 1080 })![0]!;
    expect(w.keep[0]).toBeLessThanOrEqual(600);
    expect(w.keep[2]).toBeGreaterThanOrEqual(660);
  });
});

const same = (a: Detection[], b: Detection[]) => JSON.stringify(a) === JSON.stringify(b);

describeShared('YuNet near known faces (real model)', () => {
  let detector: YunetDetector;
  let obama: RgbImage;
  beforeAll(async () => {
    detector = await YunetDetector.create({ modelPath: sharedPath('models/face_detection_yunet_2026may.onnx') });
    obama = await loadRgb(sharedPath('media/obama_720p.jpg'));
  });
  afterAll(() => detector?.close());

  it('detectNear gives exactly detect()’s detections for faces inside the boxes, 720p and 1080p', async () => {
    for (const scale of [1, 1.5]) {
      const W = Math.round(obama.width * scale), H = Math.round(obama.height * scale);
      const image = { width: W, height: H, data: warpAffine(obama, W, H, [1 / scale, 0, 0, 0, 1 / scale, 0]) };
      const full = await detector.detect(image);
      expect(full.length).toBeGreaterThan(0);
      const near: Box[] = full.map((d) => [d.box[0] - 10, d.box[1] - 10, d.box[2] + 20, d.box[3] + 20]);
      expect(same(await detector.detectNear(image, near), full), `scale ${scale}`).toBe(true);
      // nowhere to look: nothing found
      expect(await detector.detectNear(image, [])).toEqual([]);
    }
  });

  it('trackFrames scanning whole frames every 8th frame tracks a moving 720p face exactly as scanning every frame', async () => {
    const W = 1280, H = 720, n = 30;
    // a pan with a slow zoom: the face (about 150 px) moves some 3 px a frame
    const view = (t: number) => viewAffine(665, 175, 1 + 0.004 * t, 0.002 * t, 500 + 3 * t, 300 + 1.5 * t);
    const pictures = Array.from({ length: n }, (_, t) => warpAffine(obama, W, H, view(t)));
    async function* frames(): AsyncGenerator<Frame> {
      for (let t = 0; t < n; t++) yield { index: t, pts: t / 30, width: W, height: H, data: pictures[t]! };
    }
    const calls = { detect: 0, near: 0 };
    const counting = {
      detect: (f: RgbImage, s?: AbortSignal) => (calls.detect++, detector.detect(f, s)),
      detectNear: (f: RgbImage, b: readonly Box[], s?: AbortSignal) => (calls.near++, detector.detectNear(f, b, s)),
      close: async () => {},
    };
    const run = async (scanEvery: number) => {
      const out: TrackedFrame[] = [];
      for await (const f of trackFrames(frames(), counting, { scanEvery })) out.push(f);
      return out.map((f) => f.faces);
    };
    const every = await run(1);
    expect(calls).toEqual({ detect: n, near: 0 });
    calls.detect = 0;
    const windowed = await run(8);
    // whole scans at 0, 1, 8, 9, 16, 17, 24, 25; windows in between
    expect(calls).toEqual({ detect: 8, near: n - 8 });
    expect(every.every((faces) => faces.length === 1 && faces[0]!.raw !== null)).toBe(true);
    expect(JSON.stringify(windowed)).toBe(JSON.stringify(every));
  });
});
