import sharp from 'sharp';
import { beforeAll, expect, it } from 'vitest';
import { tempPath } from '../helpers/clips.ts';
import { describeShared } from '../helpers/shared.ts';
import { decodeRgb, differingPixels, modelsEnv, psnr, testModel, twoFacesClip, type RgbFrame } from '../pipeline/fixtures.ts';
import { runCli } from './run-cli.ts';

const FRAME = 12;

async function readPng(file: string): Promise<{ width: number; height: number; data: Buffer }> {
  const { data, info } = await sharp(file).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data };
}

/** Columns [x0, x0 + width) of an RGB image. */
function columns(img: { width: number; height: number; data: Buffer }, x0: number, width: number): Buffer {
  const out = Buffer.alloc(width * img.height * 3);
  for (let y = 0; y < img.height; y++) img.data.copy(out, y * width * 3, (y * img.width + x0) * 3, (y * img.width + x0 + width) * 3);
  return out;
}

/** Pixels of the preview's box colour (#ffcc00), give or take PNG-exact drawing and anti-aliasing. */
function boxColoured(rgb: Buffer): number {
  let n = 0;
  for (let i = 0; i < rgb.length; i += 3) if (rgb[i]! > 230 && Math.abs(rgb[i + 1]! - 204) < 20 && rgb[i + 2]! < 40) n++;
  return n;
}

describeShared('preview', () => {
  let clip: string;
  let raw: RgbFrame;

  beforeAll(async () => {
    clip = await twoFacesClip({ fps: 12, duration: 2, audio: 1 });
    raw = (await decodeRgb(clip))[FRAME]!;
  });

  it('with the model: a 2W-wide PNG, the annotated frame beside the restored one', async () => {
    const out = tempPath('preview-with-model.png');
    const r = runCli(['preview', clip, '--frame', String(FRAME), '-o', out, '--model', await testModel('identity', 512)], modelsEnv());
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/frame 12, 2 face\(s\), original \| restored/);
    const png = await readPng(out);
    expect([png.width, png.height]).toEqual([2 * raw.width, raw.height]);
    const annotated = columns(png, 0, raw.width);
    const restored = columns(png, raw.width, raw.width);
    // the left half is the frame with boxes, ids and landmarks drawn on it: mostly untouched pixels
    const drawn = differingPixels(annotated, raw.data);
    expect(drawn).toBeGreaterThan(500);
    expect(drawn).toBeLessThan(0.25 * raw.width * raw.height);
    expect(boxColoured(annotated)).toBeGreaterThan(boxColoured(raw.data) + 200);
    // the right half is the frame restored by the identity model: nearly the frame itself, no drawing
    expect(psnr(restored, raw.data)).toBeGreaterThanOrEqual(45);
    expect(boxColoured(restored)).toBeLessThan(boxColoured(raw.data) + 50);
  });

  it('without the model: a W-wide PNG with the tracks only', async () => {
    const out = tempPath('preview-tracks-only.png');
    // the default restorer (gpen-bfr-512) is not in the shared models folder; the detector is
    const r = runCli(['preview', clip, '--frame', String(FRAME), '-o', out], modelsEnv());
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/frame 12, 2 face\(s\) \(restorer not installed: tracks only\)/);
    const png = await readPng(out);
    expect([png.width, png.height]).toEqual([raw.width, raw.height]);
    expect(differingPixels(png.data, raw.data)).toBeGreaterThan(500);
    expect(boxColoured(png.data)).toBeGreaterThan(boxColoured(raw.data) + 200);
  });
});
