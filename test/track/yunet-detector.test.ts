import { writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelError, ModelMissingError } from '../../src/errors.ts';
import { buildTestModel } from '../../src/models/test-models.ts';
import type { Detection } from '../../src/track/detector.ts';
import { YunetDetector } from '../../src/track/yunet-detector.ts';
import { describeShared, sharedPath } from '../helpers/shared.ts';
import { tempDir } from '../helpers/tmp.ts';
import { loadRgb } from './helpers/synthetic.ts';

const dist = (a: [number, number], b: [number, number]) => Math.hypot(a[0] - b[0], a[1] - b[1]);

/** Eyes above nose above mouth, left before right, inside the box. */
function expectPlausible(d: Detection): void {
  const [le, re, nose, lm, rm] = d.landmarks;
  expect(le[0]).toBeLessThan(re[0]);
  expect(lm[0]).toBeLessThan(rm[0]);
  expect(Math.max(le[1], re[1])).toBeLessThan(nose[1]);
  expect(nose[1]).toBeLessThan(Math.min(lm[1], rm[1]));
  const [x, y, w, h] = d.box;
  for (const p of d.landmarks) {
    expect(p[0]).toBeGreaterThan(x);
    expect(p[0]).toBeLessThan(x + w);
    expect(p[1]).toBeGreaterThan(y);
    expect(p[1]).toBeLessThan(y + h);
  }
  const iod = dist(le, re);
  expect(iod).toBeGreaterThan(0.3 * w);
  expect(iod).toBeLessThan(0.7 * w);
}

describeShared('YunetDetector (worker thread, real model)', () => {
  let detector: YunetDetector;
  beforeAll(async () => {
    detector = await YunetDetector.create({ modelPath: sharedPath('models/face_detection_yunet_2026may.onnx') });
  });
  afterAll(() => detector?.close());

  it('finds the one face in a 720p portrait, with plausible landmarks', async () => {
    const faces = await detector.detect(await loadRgb(sharedPath('media/obama_720p.jpg')));
    expect(faces).toHaveLength(1);
    const d = faces[0]!;
    expect(d.score).toBeGreaterThan(0.8);
    expectPlausible(d);
    // The face sits right of centre, about 160 px wide; eyes some 75 px apart.
    expect(d.box[0] + d.box[2] / 2).toBeGreaterThan(620);
    expect(d.box[0] + d.box[2] / 2).toBeLessThan(710);
    expect(dist(d.landmarks[0], d.landmarks[1])).toBeGreaterThan(60);
    expect(dist(d.landmarks[0], d.landmarks[1])).toBeLessThan(95);
  });

  it('finds the small faces of the 1927 Solvay photograph', async () => {
    const faces = await detector.detect(await loadRgb(sharedPath('media/solvay_1927.png')));
    expect(faces.length).toBeGreaterThanOrEqual(27);
    expect(faces.length).toBeLessThanOrEqual(31);
    for (const d of faces.filter((f) => f.score > 0.8)) expectPlausible(d);
  });

  it('finds a close-up that fills the frame', async () => {
    // A 444×250 crop around the face, enlarged to 640×360: the face is over 300 px tall.
    const { data, info } = await sharp(sharedPath('media/obama_720p.jpg'))
      .extract({ left: 443, top: 30, width: 444, height: 250 })
      .resize(640, 360)
      .raw()
      .toBuffer({ resolveWithObject: true });
    const faces = await detector.detect({ width: info.width, height: info.height, data });
    expect(faces).toHaveLength(1);
    expect(faces[0]!.box[3]).toBeGreaterThan(250);
    expectPlausible(faces[0]!);
  });

  it('runs several calls at once and rejects an aborted one', async () => {
    const image = await loadRgb(sharedPath('media/obama_720p.jpg'));
    const controller = new AbortController();
    const calls = [detector.detect(image), detector.detect(image, controller.signal), detector.detect(image)];
    controller.abort(new Error('stop'));
    const [a, b, c] = await Promise.allSettled(calls);
    expect(a).toMatchObject({ status: 'fulfilled', value: [expect.anything()] });
    expect(b).toMatchObject({ status: 'rejected', reason: new Error('stop') });
    expect(c).toMatchObject({ status: 'fulfilled', value: [expect.anything()] });
  });

  it('fails fast, not forever, once its worker has died', async () => {
    const other = await YunetDetector.create({ modelPath: sharedPath('models/face_detection_yunet_2026may.onnx') });
    try {
      const image = await loadRgb(sharedPath('media/obama_720p.jpg'));
      // Reach into the pool the way a crash would: the thread goes away under a pending call.
      const slots = (other as unknown as { slots: { worker: { terminate(): Promise<number> } }[] }).slots;
      const pending = other.detect(image);
      await slots[0]!.worker.terminate();
      await expect(pending).rejects.toMatchObject({ code: 'E_DETECTOR_EXIT' });
      await expect(other.detect(image)).rejects.toMatchObject({ code: 'E_DETECTOR_EXIT' });
    } finally {
      await other.close();
    }
  });

  it('reuses its frame copies without mixing frames up', async () => {
    const face = await loadRgb(sharedPath('media/obama_720p.jpg'));
    // the same size, no face: a stale or shared copy would show up as a face found or lost
    const blank = { ...face, data: new Uint8Array(face.data.length).fill(90) };
    const before = Buffer.from(face.data);
    const expected = await detector.detect(face);
    const rounds = await Promise.all(Array.from({ length: 6 }, (_, i) => detector.detect(i % 2 ? blank : face)));
    const again = await Promise.all(Array.from({ length: 6 }, (_, i) => detector.detect(i % 2 ? face : blank)));
    rounds.forEach((d, i) => expect(d).toEqual(i % 2 ? [] : expected));
    again.forEach((d, i) => expect(d).toEqual(i % 2 ? expected : []));
    expect(Buffer.compare(before, face.data)).toBe(0);
    // the copies came back and were used again
    expect((detector as unknown as { spare: ArrayBuffer[] }).spare.length).toBeGreaterThan(0);
  });

  it('reports a frame whose size does not match its buffer', async () => {
    await expect(detector.detect({ width: 10, height: 10, data: new Uint8Array(12) })).rejects.toThrow(/expected 10×10×3/);
  });
});

describe('YunetDetector setup errors', () => {
  const dir = tempDir('gpen-yunet-');

  it('says how to fetch the model when it is not installed', async () => {
    await expect(YunetDetector.create({ modelsDir: dir })).rejects.toBeInstanceOf(ModelMissingError);
    await expect(YunetDetector.create({ modelsDir: dir })).rejects.toThrow(/models fetch yunet/);
  });

  it('refuses a model that is not YuNet', async () => {
    const file = path.join(dir, 'not-yunet.onnx');
    writeFileSync(file, buildTestModel('identity', 16));
    const e = await YunetDetector.create({ modelPath: file }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ModelError);
    expect((e as Error).message).toMatch(/not a YuNet model/);
  });
});
