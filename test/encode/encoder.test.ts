import { describe, expect, it } from 'vitest';
import { decodeFrames, type Frame } from '../../src/decode/frames.ts';
import type { MediaInfo } from '../../src/decode/media-info.ts';
import { probeMedia } from '../../src/decode/probe.ts';
import { encodeVideo, type EncodeOptions } from '../../src/encode/encoder.ts';
import { prepareOutput } from '../../src/encode/output-file.ts';
import { clipFromFrames, makeClip, tempPath } from '../helpers/clips.ts';
import { audioMd5, firstPacketTime, mkvWithAttachment, probe, rawFrames, smoothLosslessClip, videoTimes } from './make-clip.ts';

async function* framesOf(file: string, info: MediaInfo, pixelFormat: 'rgb24' | 'rgb48le' = 'rgb24'): AsyncGenerator<Frame> {
  yield* decodeFrames(file, info, { pixelFormat });
}

/** decode → encode through a prepared temp name → commit, as the pipeline does. */
async function reencode(file: string, output: string, options: Partial<EncodeOptions> = {}) {
  const info = await probeMedia(file);
  const out = await prepareOutput(output, { inputPath: file });
  try {
    const result = await encodeVideo(framesOf(file, info, options.inputPixelFormat), { source: info, output: out.tempPath, ...options });
    await out.commit();
    return { info, result };
  } catch (e) {
    await out.discard();
    throw e;
  }
}

function expectTimesMatch(actual: number[], expected: number[], toleranceS = 0.001): void {
  expect(actual.length).toBe(expected.length);
  const worst = Math.max(...actual.map((t, i) => Math.abs(t - expected[i]!)));
  expect(worst).toBeLessThanOrEqual(toleranceS);
}

describe('encodeVideo: everything but the picture comes from the source', () => {
  it('keeps frame count, both audio tracks bit for bit, subtitles, chapters, title and CFR timestamps (mp4 → mp4)', async () => {
    const src = await makeClip({ fps: '24000/1001', duration: 2, audio: 2, subtitles: true, chapters: 2, extraArgs: ['-metadata', 'title=Restoration test'] });
    const { info, result } = await reencode(src, tempPath('full.mp4'));
    expect(result.framesWritten).toBe(info.video.frameCount);
    expect(result.codec).toBe('libx264');
    expect(result.pixFmt).toBe('yuv420p');

    const out = await probe(tempPath('full.mp4'));
    const kinds = out.streams.map((s) => `${s.codec_type}:${s.codec_name}`);
    expect(kinds.slice(0, 4)).toEqual(['video:h264', 'audio:aac', 'audio:aac', 'subtitle:mov_text']);
    expect(out.streams.filter((s) => s.codec_type === 'audio').map((s) => s.tags?.language)).toEqual(['eng', 'fra']);
    expect(out.streams.find((s) => s.codec_type === 'subtitle')?.tags?.language).toBe('eng');
    expect(out.chapters.map((c) => c.tags?.title)).toEqual(['Chapter 1', 'Chapter 2']);
    expect(out.format.tags?.title).toBe('Restoration test');

    const dispositions = (p: Awaited<ReturnType<typeof probe>>) => p.streams.filter((s) => s.codec_type !== 'video' && s.codec_type !== 'data').map((s) => s.disposition?.default);
    expect(dispositions(out)).toEqual(dispositions(await probe(src)));

    for (const n of [0, 1]) expect(await audioMd5(tempPath('full.mp4'), n)).toBe(await audioMd5(src, n));
    expectTimesMatch(await videoTimes(tempPath('full.mp4')), await videoTimes(src));
    const frames = await probeMedia(tempPath('full.mp4'));
    expect(frames.video.frameCount).toBe(info.video.frameCount);
    expect(frames.video.rotation).toBe(0);
  });

  it('keeps a non-zero start in sync with the audio (source shifted by 1.5 s)', async () => {
    const src = await makeClip({ fps: '24000/1001', duration: 2, audio: 1, extraArgs: ['-output_ts_offset', '1.5'] });
    const info = await probeMedia(src);
    expect(info.video.startTime).toBeGreaterThan(1.4);
    await reencode(src, tempPath('offset.mp4'));
    const srcGap = (await firstPacketTime(src, 'v:0')) - (await firstPacketTime(src, 'a:0'));
    const outGap = (await firstPacketTime(tempPath('offset.mp4'), 'v:0')) - (await firstPacketTime(tempPath('offset.mp4'), 'a:0'));
    expect(Math.abs(outGap - srcGap)).toBeLessThanOrEqual(0.001);
    expectTimesMatch(await videoTimes(tempPath('offset.mp4')), await videoTimes(src));
    expect(await audioMd5(tempPath('offset.mp4'), 0)).toBe(await audioMd5(src, 0));
  });

  it('converts SubRip to mov_text for mp4 with a warning, and copies SubRip and attachments into mkv', async () => {
    const src = await mkvWithAttachment('attached');
    const toMp4 = await reencode(src, tempPath('from-mkv.mp4'));
    expect(toMp4.result.warnings.some((w) => /subtitle stream #3 \(subrip, deu, "Deutsch"\).*converted to mov_text/.test(w))).toBe(true);
    expect(toMp4.result.warnings.some((w) => /attachment #4/.test(w))).toBe(true);
    const mp4 = await probe(tempPath('from-mkv.mp4'));
    expect(mp4.streams.filter((s) => s.codec_type === 'subtitle').map((s) => [s.codec_name, s.tags?.language])).toEqual([['mov_text', 'deu']]);
    // FLAC audio goes into MP4 as it is (-strict experimental): still bit-identical.
    for (const n of [0, 1]) expect(await audioMd5(tempPath('from-mkv.mp4'), n)).toBe(await audioMd5(src, n));

    const toMkv = await reencode(src, tempPath('from-mkv.mkv'));
    expect(toMkv.result.warnings.filter((w) => /subtitle|attachment/.test(w))).toEqual([]);
    const mkv = await probe(tempPath('from-mkv.mkv'));
    const sub = mkv.streams.find((s) => s.codec_type === 'subtitle');
    expect([sub?.codec_name, sub?.tags?.language, sub?.tags?.title]).toEqual(['subrip', 'deu', 'Deutsch']);
    expect(mkv.streams.filter((s) => s.codec_type === 'attachment').map((s) => s.tags?.mimetype)).toEqual(['application/x-truetype-font']);
    expect(mkv.format.tags?.title ?? mkv.format.tags?.TITLE).toBe('Attached');
    expectTimesMatch(await videoTimes(tempPath('from-mkv.mkv')), await videoTimes(src));
  });
});

describe('encodeVideo: pixels', () => {
  it("writes the decoder's upright frames with no rotation left over, and keeps the (turned) sample aspect ratio", async () => {
    const src = await makeClip({ fps: 10, duration: 1, audio: 1, sar: '4/3', rotateTag: 90 });
    const { info } = await reencode(src, tempPath('upright.mkv'));
    expect([90, 270]).toContain(info.video.rotation);
    const out = await probeMedia(tempPath('upright.mkv'));
    expect([out.video.width, out.video.height, out.video.rotation]).toEqual([120, 160, 0]);
    expect(out.video.sar).toEqual({ num: 3, den: 4 });
    expect(out.video.tags.rotate).toBeUndefined();
  });

  it('ffv1 + bgr0 is lossless: the output decodes to the exact RGB bytes that went in', async () => {
    const src = await makeClip({ fps: 10, duration: 1, audio: 1 });
    const info = await probeMedia(src);
    const sent: Buffer[] = [];
    async function* tee(): AsyncGenerator<Frame> {
      for await (const f of framesOf(src, info)) {
        sent.push(Buffer.from(f.data));
        yield f;
      }
    }
    const out = tempPath('lossless.mkv');
    const result = await encodeVideo(tee(), { source: info, output: out, codec: 'ffv1', pixFmt: 'bgr0' });
    expect(result.framesWritten).toBe(sent.length);
    expect((await probe(out)).streams[0]?.pix_fmt).toBe('bgr0');
    expect((await rawFrames(out, 'rgb24')).equals(Buffer.concat(sent))).toBe(true);
  });

  it('untouched pixels of a YUV source come back within one code value of luma and two of chroma', async () => {
    const src = await smoothLosslessClip('smooth');
    const { result } = await reencode(src, tempPath('roundtrip.mkv'), { codec: 'ffv1' });
    expect(result.pixFmt).toBe('yuv420p');
    const before = await rawFrames(src, 'yuv420p');
    const after = await rawFrames(tempPath('roundtrip.mkv'), 'yuv420p');
    expect(after.length).toBe(before.length);
    const frame = 160 * 120 * 1.5;
    let lumaMax = 0;
    let chromaMax = 0;
    for (let i = 0; i < before.length; i++) {
      const d = Math.abs(before[i]! - after[i]!);
      if (i % frame < 160 * 120) lumaMax = Math.max(lumaMax, d);
      else chromaMax = Math.max(chromaMax, d);
    }
    expect(lumaMax).toBeLessThanOrEqual(1);
    expect(chromaMax).toBeLessThanOrEqual(2);
    const v = (await probe(tempPath('roundtrip.mkv'))).streams[0];
    expect([v?.color_range, v?.color_space]).toEqual(['tv', 'smpte170m']);
  });

  it('keeps a 10-bit source 10-bit (rgb48le frames in, yuv420p10le H.264 out)', async () => {
    const src = await smoothLosslessClip('deep', 'yuv420p10le', 6);
    const { result } = await reencode(src, tempPath('deep.mp4'), { inputPixelFormat: 'rgb48le' });
    expect(result.pixFmt).toBe('yuv420p10le');
    expect((await probe(tempPath('deep.mp4'))).streams[0]?.pix_fmt).toBe('yuv420p10le');
  });

  it('encodes an excerpt from its first frame, with the audio cut to match', async () => {
    const src = await makeClip({ fps: 25, duration: 3, audio: 1 });
    const info = await probeMedia(src);
    const out = tempPath('excerpt.mkv');
    const range = { start: 25, end: 50 };
    await encodeVideo(decodeFrames(src, info, { pixelFormat: 'rgb24', frames: range }), { source: info, output: out, frames: range });
    const times = await videoTimes(out);
    expect(times.length).toBe(25);
    expect(times[0]).toBeCloseTo(0, 3);
    const audioStart = await firstPacketTime(out, 'a:0');
    expect(Math.abs(audioStart)).toBeLessThan(0.03);
    const audioInfo = await probeMedia(out);
    expect(audioInfo.format.duration).toBeGreaterThan(0.95);
    expect(audioInfo.format.duration).toBeLessThan(1.1);
  });

  it('writes frames from a hand-made clip through a drained pipe, one packet per frame', async () => {
    const frames = Array.from({ length: 30 }, (_, i) => Buffer.alloc(64 * 48 * 3, i * 8));
    const src = await clipFromFrames(frames, { width: 64, height: 48, fps: 30, inputPixFmt: 'rgb24', codec: 'ffv1', codecPixFmt: 'bgr0', container: 'mkv' });
    const info = await probeMedia(src);
    async function* gen(): AsyncGenerator<{ data: Uint8Array }> {
      for (const f of frames) yield { data: new Uint8Array(f) };
    }
    const result = await encodeVideo(gen(), { source: info, output: tempPath('handmade.mov'), codec: 'prores' });
    expect(result.framesWritten).toBe(30);
    expect((await videoTimes(tempPath('handmade.mov'))).length).toBe(30);
  });
});
