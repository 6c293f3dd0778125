import { expect, it } from 'vitest';
import { makeClip, tempPath } from '../helpers/clips.ts';
import { describeShared } from '../helpers/shared.ts';
import { runCli } from '../cli/run-cli.ts';
import { decodeRgb, differingPixels, landmarksByFrame, modelsEnv, pasteRegions, readTracks, solvayClip, summaryLine, testModel } from './fixtures.ts';

const FRAMES = 5;

describeShared('many faces and no face', () => {
  it('restores at least 27 of the 29 faces of the 1927 Solvay photograph in every frame', async () => {
    const clip = await solvayClip(FRAMES);
    const tracksFile = tempPath('solvay.tracks.json');
    const t = runCli(['track', clip, '-o', tracksFile, '--progress', 'none'], modelsEnv());
    expect(t.code, t.stderr).toBe(0);
    const tracks = readTracks(tracksFile);
    const ids = new Set(tracks.tracks.map((tr) => tr.id));
    const out = tempPath('solvay.restored.mkv');
    // no --tracks: the restore detects and tracks on its own
    const r = runCli(['restore', clip, '-o', out, '--model', await testModel('identity', 256), '--codec', 'ffv1', '--pix-fmt', 'bgr0', '--progress', 'json'], modelsEnv());
    expect(r.code, r.stderr).toBe(0);
    const summary = summaryLine(r.stderr);
    console.log(`solvay: ${ids.size} tracks in tracks.json, ${summary.faces_restored} faces restored over ${summary.frames} frames`);
    expect(ids.size).toBeGreaterThanOrEqual(27);
    expect(summary.frames).toBe(FRAMES);
    expect(summary.faces_restored).toBeGreaterThanOrEqual(27 * FRAMES);

    // each tracked face was pasted where the tracks file says: its region changed, and nothing else did
    const [source, restored] = await Promise.all([decodeRgb(clip), decodeRgb(out)]);
    const mid = Math.floor(FRAMES / 2);
    const byFrame = landmarksByFrame(tracks);
    const pasted = byFrame[mid]!.filter((l) => differingPixels(restored[mid]!.data, source[mid]!.data, pasteRegions(1328, 568, [l], 256).touch) > 0);
    expect(pasted.length).toBeGreaterThanOrEqual(27);
    const all = pasteRegions(1328, 568, byFrame[mid]!, 256);
    expect(differingPixels(restored[mid]!.data, source[mid]!.data, all.touch, true)).toBe(0);
  });

  it('passes a clip without faces through untouched, with no inference', async () => {
    const clip = await makeClip({ source: 'testsrc2', width: 320, height: 240, fps: 10, duration: 1, audio: 1 });
    const out = tempPath('noface.restored.mkv');
    const r = runCli(['restore', clip, '-o', out, '--model', await testModel('identity', 256), '--codec', 'ffv1', '--pix-fmt', 'bgr0', '--progress', 'json'], modelsEnv());
    expect(r.code, r.stderr).toBe(0);
    const summary = summaryLine(r.stderr);
    expect(summary).toMatchObject({ frames: 10, faces_restored: 0 });
    const [source, restored] = await Promise.all([decodeRgb(clip), decodeRgb(out)]);
    expect(restored).toHaveLength(source.length);
    for (const [i, f] of source.entries()) expect(Buffer.compare(restored[i]!.data, f.data), `frame ${i}`).toBe(0);
  });
});
