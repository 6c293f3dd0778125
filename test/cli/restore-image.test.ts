import { copyFileSync } from 'node:fs';
import sharp from 'sharp';
import { expect, it } from 'vitest';
import { readRgbImage } from '../../src/pipeline/restore-image.ts';
import { createYunetDetector } from '../../src/track/index.ts';
import { tempPath } from '../helpers/clips.ts';
import { describeShared, sharedPath } from '../helpers/shared.ts';
import { count, differingPixels, modelsEnv, pasteRegions, psnr, summaryLine, testModel, yunetPath } from '../pipeline/fixtures.ts';
import { runCli } from './run-cli.ts';

describeShared('restore on a still image', () => {
  it('writes a PNG of the same size: faces nearly unchanged by the identity model, everything else bit-identical', async () => {
    const photo = tempPath('photo.jpg');
    copyFileSync(sharedPath('media/obama_720p.jpg'), photo);
    const out = tempPath('photo.restored.png');
    const r = runCli(['restore', photo, '-o', out, '--model', await testModel('identity', 512), '--progress', 'json'], modelsEnv());
    expect(r.code, r.stderr).toBe(0);
    expect(summaryLine(r.stderr)).toMatchObject({ frames: 1, faces_restored: 1 });

    // the reference is sharp's own decode of the JPEG (what the tool read), not ffmpeg's
    const source = await readRgbImage(photo);
    const { data, info } = await sharp(out).raw().toBuffer({ resolveWithObject: true });
    expect(info.format).toBe('raw');
    expect([info.width, info.height, info.channels]).toEqual([source.width, source.height, 3]);
    expect((await sharp(out).metadata()).format).toBe('png');

    // where the paste could write: the same detector on the same pixels gives the same landmarks
    const detector = await createYunetDetector({ modelPath: yunetPath() });
    const faces = (await detector.detect(source).finally(() => detector.close())).filter((d) => d.score >= 0.6);
    expect(faces).toHaveLength(1);
    const regions = pasteRegions(source.width, source.height, faces.map((f) => f.landmarks), 512);
    expect(count(regions.face)).toBeGreaterThan(10_000);
    expect(differingPixels(data, source.data, regions.touch, true)).toBe(0);
    const face = psnr(data, source.data, regions.face);
    console.log(`still image: face PSNR ${face.toFixed(2)} dB, whole image ${psnr(data, source.data).toFixed(2)} dB, ${differingPixels(data, source.data)} pixels changed`);
    expect(face).toBeGreaterThanOrEqual(38);
    expect(differingPixels(data, source.data)).toBeGreaterThan(0);
  });
});
