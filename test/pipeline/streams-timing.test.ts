import { beforeAll, expect, it } from 'vitest';
import { ffmpeg, tempPath } from '../helpers/clips.ts';
import { describeShared } from '../helpers/shared.ts';
import { runCli } from '../cli/run-cli.ts';
import { ffprobe, modelsEnv, portraitClip, summaryLine, testModel } from './fixtures.ts';

/** ffprobe's exact frame count (it decodes the stream). */
async function countedFrames(file: string): Promise<number> {
  return Number((await ffprobe(['-count_frames', '-select_streams', 'v:0', '-show_entries', 'stream=nb_read_frames', '-of', 'csv=p=0', file])).trim());
}

/** Presentation times of the video frames, seconds, in display order. */
async function frameTimes(file: string): Promise<number[]> {
  const out = await ffprobe(['-select_streams', 'v:0', '-show_entries', 'frame=best_effort_timestamp_time', '-of', 'csv=p=0', file]);
  return out.split('\n').map((l) => l.trim().replace(/,$/, '')).filter((l) => l !== '').map(Number);
}

async function audioStreams(file: string): Promise<number> {
  return (await ffprobe(['-select_streams', 'a', '-show_entries', 'stream=index', '-of', 'csv=p=0', file])).trim().split('\n').filter(Boolean).length;
}

/** MD5 of the packets of audio stream N, copied without decoding. */
async function audioPacketsMd5(file: string, n: number): Promise<string> {
  return (await ffmpeg(['-i', file, '-map', `0:a:${n}`, '-c', 'copy', '-f', 'md5', '-'])).toString().trim();
}

describeShared('restore keeps the sound and the timing (mp4, default x264)', () => {
  let source: string;
  let output: string;
  let summary: ReturnType<typeof summaryLine>;

  beforeAll(async () => {
    source = await portraitClip({ width: 320, height: 240, fps: 10, duration: 2, audio: 2 });
    output = tempPath('streams.restored.mp4');
    const r = runCli(['restore', source, '-o', output, '--model', await testModel('identity', 256), '--progress', 'json'], modelsEnv());
    expect(r.code, r.stderr).toBe(0);
    summary = summaryLine(r.stderr);
  });

  it('restored the face in every frame', () => {
    expect(summary.frames).toBe(20);
    expect(summary.faces_restored).toBe(20);
  });

  it('copies each of the two audio streams packet for packet', async () => {
    expect(await audioStreams(source)).toBe(2);
    expect(await audioStreams(output)).toBe(2);
    for (const n of [0, 1]) {
      const [a, b] = await Promise.all([audioPacketsMd5(source, n), audioPacketsMd5(output, n)]);
      expect(a).toMatch(/^MD5=[0-9a-f]{32}$/);
      expect(b, `audio stream ${n}`).toBe(a);
    }
  });

  it('has the same number of frames at the same constant-rate times (±1 ms)', async () => {
    const [nSrc, nOut] = await Promise.all([countedFrames(source), countedFrames(output)]);
    expect(nSrc).toBe(20);
    expect(nOut).toBe(nSrc);
    const [tSrc, tOut] = await Promise.all([frameTimes(source), frameTimes(output)]);
    expect(tOut).toHaveLength(tSrc.length);
    const worst = Math.max(...tOut.map((t, i) => Math.abs(t - tSrc[i]!)));
    console.log(`timestamps: ${tOut.length} frames, worst difference ${(worst * 1000).toFixed(3)} ms`);
    expect(worst).toBeLessThanOrEqual(0.001);
    // and constant rate: every step is one frame period
    for (let i = 1; i < tOut.length; i++) expect(Math.abs(tOut[i]! - tOut[i - 1]! - 0.1)).toBeLessThanOrEqual(0.001);
  });
});
