import { mkdir, stat, writeFile } from 'node:fs/promises';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { probeMedia } from '../../src/decode/probe.ts';
import { InputError } from '../../src/errors.ts';
import { resetBinaries, setBinaries } from '../../src/ffmpeg/binaries.ts';
import { fakeBinary, ffmpeg, ffmpegOwnRotation, makeClip, tempPath } from '../helpers/clips.ts';

describe('probeMedia on real clips', () => {
  let mp4: string;
  let mkv: string;
  beforeAll(async () => {
    [mp4, mkv] = await Promise.all([
      makeClip({ container: 'mp4', audio: 2, subtitles: true, rotateTag: 90, sar: '4/3' }),
      makeClip({ container: 'mkv', audio: 2, subtitles: true, chapters: 3, sar: '4/3' }),
    ]);
  });

  it('reads an mp4 with two audio tracks, subtitles, rotation and SAR', async () => {
    const info = await probeMedia(mp4);
    expect(info.file).toBe(mp4);
    expect(info.format.name).toContain('mp4');
    expect(info.format.sizeBytes).toBe((await stat(mp4)).size);
    expect(info.format.duration).toBeCloseTo(2, 1);
    const rotation = await ffmpegOwnRotation(mp4);
    expect(rotation).not.toBe(0);
    const v = info.video;
    expect(v).toMatchObject({
      index: 0, codec: 'h264', width: 160, height: 120, codedWidth: 160, codedHeight: 120,
      sar: { num: 4, den: 3 }, dar: { num: 16, den: 9 }, rotation,
      frameWidth: 120, frameHeight: 160, frameSar: { num: 3, den: 4 }, displayWidth: 120, displayHeight: 213,
      avgFrameRate: { num: 10, den: 1 }, rFrameRate: { num: 10, den: 1 }, fps: 10,
      frameCount: 20, frameCountSource: 'container', startTime: 0, pixFmt: 'yuv420p', pixelFamily: 'yuv', bitDepth: 8, vfrLikely: false,
    });
    expect(v.timeBase.num).toBe(1);
    expect(info.audio.map((a) => [a.index, a.codec, a.channels, a.sampleRate, a.language])).toEqual([
      [1, 'aac', 1, 44100, 'eng'],
      [2, 'aac', 1, 22050, 'fra'],
    ]);
    expect(info.subtitles).toEqual([{ index: 3, codec: 'mov_text', language: 'eng', title: null, isDefault: expect.any(Boolean) }]);
    expect(info.format.tags.encoder).toMatch(/^Lavf/);
  });

  it('reads an mkv: titles, subtitles, chapters, and a frame count it has to estimate or count', async () => {
    const info = await probeMedia(mkv);
    expect(info.format.name).toContain('matroska');
    expect(info.video).toMatchObject({ rotation: 0, sar: { num: 4, den: 3 }, frameWidth: 160, frameHeight: 120, displayWidth: 213, displayHeight: 120 });
    expect(info.video).toMatchObject({ frameCount: 20, frameCountSource: 'estimated' });
    expect(info.audio.map((a) => [a.language, a.title, a.channelLayout])).toEqual([
      ['eng', 'Track 1', 'mono'],
      ['fra', 'Track 2', 'mono'],
    ]);
    expect(info.subtitles).toMatchObject([{ codec: 'subrip', language: 'eng' }]);
    expect(info.chapters).toBe(3);
    const counted = await probeMedia(mkv, { countFrames: true });
    expect(counted.video).toMatchObject({ frameCount: 20, frameCountSource: 'counted' });
  });

  it('reads bit depth and colour tags', async () => {
    const file = await makeClip({ container: 'mkv', codec: 'ffv1', pixFmt: 'yuv420p10le', colorRange: 'pc', colorSpace: 'bt709', audio: 0, duration: 0.5 });
    const v = (await probeMedia(file)).video;
    expect(v).toMatchObject({ codec: 'ffv1', pixFmt: 'yuv420p10le', bitDepth: 10, colorRange: 'pc', colorSpace: 'bt709' });
  });

  it('takes relative paths and names with colons', async () => {
    const dir = tempPath('odd names');
    await mkdir(dir, { recursive: true });
    const odd = `${dir}/clip:1.mp4`;
    await ffmpeg(['-i', mp4, '-c', 'copy', '-map', '0', odd]);
    const info = await probeMedia(odd);
    expect(info.file).toBe(odd);
    expect(info.audio).toHaveLength(2);
  });
});

describe('probeMedia on bad input', () => {
  afterEach(() => resetBinaries());

  it('E_INPUT_MISSING for a file that does not exist', async () => {
    const err = await probeMedia(tempPath('nope.mp4')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect(err).toMatchObject({ code: 'E_INPUT_MISSING', exitCode: 2 });
    expect((err as Error).message).toContain('nope.mp4');
  });

  it('E_INPUT_NOT_MEDIA for a text file named .mp4, an empty file and a directory', async () => {
    const text = tempPath('notes.mp4');
    await writeFile(text, 'These are my notes.\nNothing to see here.\n'.repeat(50));
    const err = await probeMedia(text).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'E_INPUT_NOT_MEDIA' });
    expect((err as Error).message).toMatch(/notes\.mp4 is not a media file or its container is not supported[\s\S]*ffprobe said:[\s\S]*Invalid data/);
    const empty = tempPath('empty.mp4');
    await writeFile(empty, '');
    await expect(probeMedia(empty)).rejects.toMatchObject({ code: 'E_INPUT_NOT_MEDIA' });
    await expect(probeMedia(tempPath(''))).rejects.toMatchObject({ code: 'E_INPUT_NOT_MEDIA' });
  });

  it('E_INPUT_NO_VIDEO for an audio-only file', async () => {
    const audio = tempPath('audio-only.mp4');
    await ffmpeg(['-f', 'lavfi', '-i', 'sine=duration=1', '-c:a', 'aac', audio]);
    const err = await probeMedia(audio).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'E_INPUT_NO_VIDEO' });
    expect((err as Error).message).toContain('#0 audio');
  });

  it('E_INPUT_CORRUPT for an mp4 cut before its index', async () => {
    const whole = await makeClip({ container: 'mp4', duration: 1 });
    const { readFile } = await import('node:fs/promises');
    const cut = tempPath('cut.mp4');
    const bytes = await readFile(whole);
    await writeFile(cut, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const err = await probeMedia(cut).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'E_INPUT_CORRUPT' });
    expect((err as Error).message).toMatch(/cut\.mp4 looks truncated[\s\S]*moov atom not found/);
  });

  it('quotes a failing ffprobe', async () => {
    setBinaries({ ffprobe: await fakeBinary('ffprobe-fails', 'echo "first" >&2; echo "[mov @ 0x1] weird thing" >&2; echo "in.mp4: Invalid data found when processing input" >&2; exit 1') });
    const err = await probeMedia(await makeClip({ duration: 1 })).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'E_INPUT_NOT_MEDIA' });
    expect((err as Error).message).toContain('  [mov @ 0x1] weird thing\n  in.mp4: Invalid data found');
  });

  it('refuses ffprobe output that is not JSON or not shaped like ffprobe output', async () => {
    const clip = await makeClip({ duration: 1 });
    setBinaries({ ffprobe: await fakeBinary('ffprobe-garbage', 'echo "{ not json"') });
    await expect(probeMedia(clip)).rejects.toMatchObject({ code: 'E_FFPROBE_OUTPUT' });
    setBinaries({ ffprobe: await fakeBinary('ffprobe-shape', `echo '{"streams": "yes"}'`) });
    await expect(probeMedia(clip)).rejects.toMatchObject({ code: 'E_FFPROBE_OUTPUT', message: expect.stringContaining('streams') });
  });

  it('says where it looked for a missing ffprobe', async () => {
    setBinaries({ ffprobe: '/nonexistent/ffprobe' });
    await expect(probeMedia(await makeClip({ duration: 1 }))).rejects.toMatchObject({ code: 'E_FFPROBE_NOT_FOUND', message: expect.stringContaining('GPEN_VIDEO_FFPROBE') });
  });

  it('stops on abort', async () => {
    const clip = await makeClip({ duration: 1 });
    await expect(probeMedia(clip, { signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' });
  });
});
