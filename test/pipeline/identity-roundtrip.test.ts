import { beforeAll, expect, it } from 'vitest';
import { tempPath } from '../helpers/clips.ts';
import { describeShared } from '../helpers/shared.ts';
import { runCli } from '../cli/run-cli.ts';
import {
  contrastModel,
  count,
  decodeRgb,
  differingPixels,
  landmarksByFrame,
  modelsEnv,
  pasteRegions,
  psnr,
  readTracks,
  sceneCutClip,
  summaryLine,
  testModel,
  twoFacesClip,
  type PasteRegions,
  type RgbFrame,
  type TracksJson,
} from './fixtures.ts';

/*
 * The whole pipeline with the identity restorer into lossless RGB (FFV1, bgr0): whatever the
 * pipeline changes is its own doing (alignment warp, paste, blending), so pixels outside every
 * face mask must come back bit-identical and the faces nearly so.
 */
describeShared('restore with the identity model into lossless RGB', () => {
  let source: RgbFrame[];
  let tracks: TracksJson;
  let regions: PasteRegions[];
  let blended: RgbFrame[];
  let model: string;
  let clip: string;

  const restore = (input: string, output: string, tracksFile: string, extra: string[] = [], restorer = model) => {
    const r = runCli(['restore', input, '-o', output, '--model', restorer, '--codec', 'ffv1', '--pix-fmt', 'bgr0', '--tracks', tracksFile, '--progress', 'json', ...extra], modelsEnv());
    expect(r.code, r.stderr).toBe(0);
    return summaryLine(r.stderr);
  };

  beforeAll(async () => {
    model = await testModel('identity', 512);
    clip = await twoFacesClip({ fps: 12, duration: 2, audio: 1 });
    const tracksFile = tempPath('two-faces.tracks.json');
    const t = runCli(['track', clip, '-o', tracksFile, '--progress', 'none'], modelsEnv());
    expect(t.code, t.stderr).toBe(0);
    tracks = readTracks(tracksFile);
    const out = tempPath('two-faces.identity.mkv');
    const summary = restore(clip, out, tracksFile);
    expect(summary.faces_restored).toBe(tracks.tracks.reduce((n, tr) => n + tr.frames.length, 0));
    [source, blended] = await Promise.all([decodeRgb(clip), decodeRgb(out)]);
    const byFrame = landmarksByFrame(tracks);
    regions = source.map((f) => pasteRegions(f.width, f.height, byFrame[f.index]!, 512));
  });

  it('tracks both faces through every frame of the moving clip', () => {
    expect(tracks.tracks).toHaveLength(2);
    for (const t of tracks.tracks) expect(t.frames).toHaveLength(24);
    expect(blended).toHaveLength(source.length);
    expect(source).toHaveLength(24);
  });

  it('leaves every pixel outside the face masks bit-identical', () => {
    for (const [i, f] of source.entries()) {
      const r = regions[i]!;
      // the masks cover the faces, not the frame
      expect(count(r.touch)).toBeLessThan(0.5 * f.width * f.height);
      expect(count(r.face)).toBeGreaterThan(2 * 2500);
      expect(differingPixels(blended[i]!.data, f.data, r.touch, true), `frame ${i}`).toBe(0);
    }
  });

  it('keeps the face regions at ≥ 38 dB and whole frames at ≥ 45 dB', () => {
    const face = source.map((f, i) => psnr(blended[i]!.data, f.data, regions[i]!.face));
    const whole = source.map((f, i) => psnr(blended[i]!.data, f.data));
    console.log(`identity round trip: face PSNR min ${Math.min(...face).toFixed(2)} mean ${mean(face).toFixed(2)} dB; whole frame min ${Math.min(...whole).toFixed(2)} mean ${mean(whole).toFixed(2)} dB`);
    expect(Math.min(...face)).toBeGreaterThanOrEqual(38);
    expect(Math.min(...whole)).toBeGreaterThanOrEqual(45);
    // the faces really were pasted (an untouched frame would be infinitely close)
    expect(source.some((f, i) => differingPixels(blended[i]!.data, f.data) > 0)).toBe(true);
  });

  describeShared('temporal blending', () => {
    it('costs at most 0.5 dB of face-region PSNR on a moving clip (on vs off)', async () => {
      const out = tempPath('two-faces.identity.noblend.mkv');
      restore(clip, out, tempPath('two-faces.tracks.json'), ['--temporal-blend', '0']);
      const unblended = await decodeRgb(out);
      const on = source.map((f, i) => psnr(blended[i]!.data, f.data, regions[i]!.face));
      const off = source.map((f, i) => psnr(unblended[i]!.data, f.data, regions[i]!.face));
      const drop = mean(off) - mean(on);
      console.log(`temporal blend: face PSNR off ${mean(off).toFixed(2)} dB, on ${mean(on).toFixed(2)} dB, drop ${drop.toFixed(3)} dB; worst frame drop ${Math.max(...off.map((o, i) => o - on[i]!)).toFixed(3)} dB`);
      expect(drop).toBeLessThanOrEqual(0.5);
      for (const [i, o] of off.entries()) expect(o - on[i]!, `frame ${i}`).toBeLessThanOrEqual(0.5);
      // blending off: only the warp and paste remain, still exact outside the masks
      for (const [i, f] of source.entries()) expect(differingPixels(unblended[i]!.data, f.data, regions[i]!.touch, true)).toBe(0);
    });

    it('starts afresh at a hard scene cut: the first frame after it is the same with blending on and off', async () => {
      // a deterministic model that does change faces, so blending has something to blend
      const contrast = await contrastModel(256);
      const cutClip = await sceneCutClip({ fps: 12, each: 1 });
      const tracksFile = tempPath('cut.tracks.json');
      const t = runCli(['track', cutClip, '-o', tracksFile, '--progress', 'none'], modelsEnv());
      expect(t.code, t.stderr).toBe(0);
      const cutTracks = readTracks(tracksFile);
      expect(cutTracks.cuts).toEqual([12]);
      // a face on each side of the cut, and no track crossing it
      const byFrame = landmarksByFrame(cutTracks);
      expect(byFrame[11]!.length).toBeGreaterThan(0);
      expect(byFrame[12]!.length).toBeGreaterThan(0);
      for (const tr of cutTracks.tracks) expect(tr.frames[0]!.frame < 12 && tr.frames.at(-1)!.frame >= 12).toBe(false);
      const on = tempPath('cut.on.mkv');
      const off = tempPath('cut.off.mkv');
      restore(cutClip, on, tracksFile, ['--temporal-blend', '1'], contrast);
      restore(cutClip, off, tracksFile, ['--temporal-blend', '0'], contrast);
      const [a, b] = await Promise.all([decodeRgb(on), decodeRgb(off)]);
      expect(a).toHaveLength(24);
      const differing = a.map((f, i) => differingPixels(f.data, b[i]!.data));
      console.log(`scene cut: pixels differing between blending on and off, per frame: ${differing.join(' ')}`);
      expect(differing[12]).toBe(0);
      // the first frame of each shot has no history; blending acts later within each shot
      expect(differing[0]).toBe(0);
      expect(differing.slice(1, 12).some((n) => n > 0)).toBe(true);
      expect(differing.slice(13).some((n) => n > 0)).toBe(true);
    });
  });
});

function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}
