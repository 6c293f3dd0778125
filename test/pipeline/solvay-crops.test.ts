import sharp from 'sharp';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Affine } from '../../src/restore/affine.ts';
import { alignmentTransform } from '../../src/restore/align.ts';
import { warpToCrop } from '../../src/restore/warp.ts';
import { createYunetDetector, type Detection, type Detector } from '../../src/track/index.ts';
import { describeShared, sharedPath } from '../helpers/shared.ts';
import { yunetPath } from './fixtures.ts';

/*
 * Our aligned 512 crops against the ones the official GPEN code made from the same photograph
 * (left half of each faceNN.jpg). Different detectors (YuNet here, RetinaFace there) place the
 * landmarks a little differently, so the comparison is of the blurred (σ = 4) grey images.
 */
const S = 512;

async function blurredGrey(input: Buffer | string, raw?: { width: number; height: number; channels: 3 }): Promise<Float64Array> {
  let img = raw ? sharp(input, { raw }) : sharp(input);
  if (!raw) img = img.extract({ left: 0, top: 0, width: S, height: S });
  // blur after the grey conversion, in 8 bits: what a viewer of the two images would compare
  const grey = await img.greyscale().raw().toBuffer();
  const blurred = await sharp(grey, { raw: { width: S, height: S, channels: 1 } }).blur(4).raw().toBuffer();
  return Float64Array.from(blurred);
}

/** Normalised cross-correlation of two equally sized images. */
function ncc(a: Float64Array, b: Float64Array): number {
  const n = a.length;
  let ma = 0, mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i]!;
    mb += b[i]!;
  }
  ma /= n;
  mb /= n;
  let ab = 0, aa = 0, bb = 0;
  for (let i = 0; i < n; i++) {
    const x = a[i]! - ma, y = b[i]! - mb;
    ab += x * y;
    aa += x * x;
    bb += y * y;
  }
  return ab / Math.sqrt(aa * bb);
}

/**
 * Where each official crop's face is in the 1328×568 photograph (centre of YuNet's box, px), found
 * once by matching every detection's crop against the official ones: the five are different people.
 */
const FACES: Record<string, [number, number]> = {
  face00: [1028, 188],
  face04: [263, 232],
  face07: [1104, 52],
  face13: [123, 225],
  face20: [398, 224],
};

/** The alignment scaled by k about the crop's centre (k < 1 zooms out). */
function rescaled(t: Affine, k: number): Affine {
  const c = S / 2;
  return [t[0] * k, t[1] * k, (t[2] - c) * k + c, t[3] * k, t[4] * k, (t[5] - c) * k + c];
}

describeShared('aligned crops match the official GPEN crops of the Solvay photograph', () => {
  let detector: Detector;
  let detections: Detection[];
  let image: { width: number; height: number; data: Buffer };

  const cropOf = (d: Detection, k = 1) =>
    blurredGrey(Buffer.from(warpToCrop(image, rescaled(alignmentTransform(d.landmarks, 'gpen', S), k), S)), { width: S, height: S, channels: 3 });
  const official = (name: string) => blurredGrey(sharedPath('media/gpen-solvay-faces', `${name}.jpg`));
  const detectionAt = ([x, y]: [number, number]) => detections.filter((d) => Math.hypot(d.box[0] + d.box[2] / 2 - x, d.box[1] + d.box[3] / 2 - y) < 12);

  beforeAll(async () => {
    detector = await createYunetDetector({ modelPath: yunetPath() });
    const { data, info } = await sharp(sharedPath('media/solvay_1927.png')).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    image = { width: info.width, height: info.height, data };
    detections = await detector.detect(image);
  });
  afterAll(() => detector?.close());

  it('detects each of the five faces once', () => {
    expect(detections.length).toBeGreaterThanOrEqual(27);
    for (const [name, at] of Object.entries(FACES)) expect(detectionAt(at), name).toHaveLength(1);
  });

  it.each(['face00', 'face07', 'face13', 'face20'])('%s: NCC of the σ=4 blurred grey crops ≥ 0.80', async (name) => {
    const d = detectionAt(FACES[name]!)[0]!;
    const theirs = await official(name);
    const score = ncc(await cropOf(d), theirs);
    // for the record: how the match changes with our crop zoomed 10% out or in
    const [out, inn] = [ncc(await cropOf(d, 0.9), theirs), ncc(await cropOf(d, 1.1), theirs)];
    console.log(`${name}: NCC ${score.toFixed(4)} (zoomed out 10%: ${out.toFixed(4)}, in 10%: ${inn.toFixed(4)})`);
    expect(score).toBeGreaterThanOrEqual(0.8);
  });

  it('face04: YuNet places this face\'s landmarks 15% tighter than the official detector; rescaled, the crops agree', async () => {
    // Max Planck (glasses, a moustache over the mouth corners). With our landmarks the crop is
    // the right face, centred, but about 15% larger than the official one: NCC ≈ 0.69 as is,
    // ≈ 0.98 zoomed out by 15%. The template and the warp are right (the other four faces, and
    // this one's best scale); the difference is the detector's landmarks.
    const d = detectionAt(FACES.face04!)[0]!;
    const theirs = await official('face04');
    const scores = new Map<number, number>();
    for (const k of [0.8, 0.85, 0.9, 0.95, 1]) scores.set(k, ncc(await cropOf(d, k), theirs));
    console.log(`face04: NCC by scale ${[...scores].map(([k, v]) => `${k}: ${v.toFixed(4)}`).join(', ')}`);
    expect(scores.get(1)).toBeGreaterThanOrEqual(0.6);
    expect(Math.max(...scores.values())).toBeGreaterThanOrEqual(0.95);
    expect(scores.get(0.85)).toBe(Math.max(...scores.values()));
  });
});
