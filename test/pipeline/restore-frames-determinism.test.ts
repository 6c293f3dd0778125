import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { restoreFrames } from '../../src/pipeline/restore-frames.ts';
import { alignmentTransform } from '../../src/restore/align.ts';
import { faceMask } from '../../src/restore/mask.ts';
import { OnnxRestorer } from '../../src/restore/onnx-restorer.ts';
import { pasteCrop } from '../../src/restore/paste.ts';
import type { Restorer } from '../../src/restore/restorer.ts';
import { TemporalBlender } from '../../src/restore/temporal-blend.ts';
import { warpToCrop } from '../../src/restore/warp.ts';
import type { Landmarks, TrackedFrame } from '../../src/track/index.ts';
import { contrastModel } from './fixtures.ts';

/*
 * The restore stage's output must not depend on where the work runs or how it is scheduled: the
 * worker warp + paste-worker path, with one or two inference workers and any depth, blending and
 * pasting on the main thread, the main-thread warp for other Restorers, and a plain sequential in-process loop all give the same
 * bytes, restored in place, whatever buffer a frame's pixels are a view of.
 */

const W = 240, H = 180, S = 64, N = 14;
const BLEND = 0.8;

function pixels(t: number): Buffer {
  const d = Buffer.alloc(W * H * 3);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    const o = (y * W + x) * 3, u = x - 2 * t, v = y + t;
    d[o] = 128 + 90 * Math.sin(u * 0.13) * Math.cos(v * 0.09);
    d[o + 1] = 128 + 80 * Math.sin((u + v) * 0.07 + t * 0.3);
    d[o + 2] = (u * 3 + v * 5 + t * 11) & 255;
  }
  return d;
}

const face = (cx: number, cy: number, s: number): Landmarks => [
  [cx - 0.2 * s, cy - 0.1 * s], [cx + 0.2 * s, cy - 0.1 * s], [cx, cy + 0.05 * s], [cx - 0.16 * s, cy + 0.22 * s], [cx + 0.16 * s, cy + 0.22 * s],
];

/** Two tracks moving across the frame, a cut at 8 (new ids after it), no faces at 5, one face leaving at 11. */
function frames(offset: boolean): TrackedFrame[] {
  return Array.from({ length: N }, (_, t) => {
    // a view into the middle of a larger buffer, or a buffer of its own
    const data = offset ? Buffer.concat([Buffer.alloc(7, 1), pixels(t), Buffer.alloc(5, 2)]).subarray(7, 7 + W * H * 3) : pixels(t);
    const after = t >= 8 ? 10 : 0;
    const faces = t === 5 ? [] : [
      { trackId: 1 + after, lm: face(60 + 3 * t, 70 + t, 50 + t) },
      ...(t < 11 ? [{ trackId: 2 + after, lm: face(170 - 2 * t, 100, 70 - t) }] : []),
    ];
    return {
      frame: { index: t, pts: t / 25, width: W, height: H, data },
      faces: faces.map((f) => ({ trackId: f.trackId, box: [0, 0, 1, 1] as [number, number, number, number], score: 0.9, raw: f.lm, landmarks: f.lm })),
      sceneCut: t === 8,
    };
  });
}

async function run(restorer: Restorer, input: TrackedFrame[], depth?: number, pasteWorker = true): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for await (const r of restoreFrames(input, { restorer, template: 'gpen', temporalBlend: BLEND, pasteWorker, ...(depth ? { depth } : {}) })) {
    expect(r.tracked.frame.data).toBe(input[r.tracked.frame.index]!.frame.data); // restored in place
    out.push(Buffer.from(r.tracked.frame.data));
  }
  return out;
}

describe('restoreFrames gives the same bytes however it is scheduled', () => {
  let model: string;
  let one: OnnxRestorer;
  let two: OnnxRestorer;
  beforeAll(async () => {
    model = await contrastModel(S, 0.7);
    one = await OnnxRestorer.create({ modelPath: model, workers: 1 });
    two = await OnnxRestorer.create({ modelPath: model, workers: 2, threads: 1 });
  });
  afterAll(async () => {
    await one?.close();
    await two?.close();
  });

  it('workers, depth, shared memory or not, worker warp or main-thread warp: all equal to a plain sequential loop', async () => {
    // the definition: frame after frame in-process, every face cut out of the frame as decoded, then
    // each blended with its track's past and pasted in track order
    const expected: Buffer[] = [];
    const blender = new TemporalBlender(S, { strength: BLEND });
    for (const t of frames(false)) {
      if (t.sceneCut) blender.reset();
      const live = new Set(t.faces.map((f) => f.trackId));
      for (const id of blender.trackIds()) if (!live.has(id)) blender.forget(id);
      const image = { width: W, height: H, data: t.frame.data };
      // every face is cut out of the frame as decoded, before any is pasted back
      const toCrops = t.faces.map((f) => alignmentTransform(f.landmarks, 'gpen', S));
      const inputs = toCrops.map((m) => warpToCrop(image, m, S));
      const restored = inputs.length > 0 ? await one.restore(inputs) : [];
      t.faces.forEach((f, i) => {
        const out = blender.blend(f.trackId, t.frame.index, inputs[i]!, restored[i]!, toCrops[i]!);
        pasteCrop(image, { width: S, height: S, data: out }, faceMask(S), toCrops[i]!);
      });
      expected.push(Buffer.from(t.frame.data));
    }
    // the restoration must have changed the faces, or the comparison proves nothing
    expect(expected.some((e, t) => !e.equals(pixels(t)))).toBe(true);

    // any Restorer that only takes ready crops: warped on the main thread
    const plain: Restorer = { info: one.info, stats: () => one.stats(), restore: (c, s) => one.restore(c, s), close: async () => {} };
    const runs = {
      'one worker': await run(one, frames(false)),
      'one worker, frames as views': await run(one, frames(true)),
      'two workers, depth 1': await run(two, frames(false), 1),
      'two workers, depth 6, frames as views': await run(two, frames(true), 6),
      'main-thread warp': await run(plain, frames(false)),
      'blend and paste on the main thread': await run(one, frames(false), undefined, false),
      'main-thread warp, blend and paste': await run(plain, frames(true), 2, false),
    };
    for (const [name, got] of Object.entries(runs)) {
      expect(got.length, name).toBe(N);
      got.forEach((g, t) => expect(g.equals(expected[t]!), `${name}: frame ${t}`).toBe(true));
    }
  });
});
