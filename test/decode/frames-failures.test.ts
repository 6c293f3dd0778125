import { readFile, writeFile } from 'node:fs/promises';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { decodeFrames, type Frame } from '../../src/decode/frames.ts';
import type { MediaInfo } from '../../src/decode/media-info.ts';
import { probeMedia } from '../../src/decode/probe.ts';
import { GpenError, InputError } from '../../src/errors.ts';
import { resetBinaries, setBinaries } from '../../src/ffmpeg/binaries.ts';
import { liveProcessIds } from '../../src/ffmpeg/run.ts';
import { fakeBinary, makeClip, tempPath } from '../helpers/clips.ts';

/** One 160x120 rgb24 frame. */
const FRAME = 160 * 120 * 3;

async function drain(frames: AsyncIterable<Frame>): Promise<number[]> {
  const seen: number[] = [];
  for await (const f of frames) seen.push(f.index);
  return seen;
}

describe('decodeFrames on damaged input', () => {
  it('names the file and the frame where a truncated mp4 stops', async () => {
    const whole = await makeClip({ container: 'mp4', duration: 3, fps: 10, faststart: true, audio: 1 });
    const cut = tempPath('truncated.mp4');
    const bytes = await readFile(whole);
    await writeFile(cut, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    const info = await probeMedia(cut); // the index is intact: the damage shows only when decoding
    expect(info.video.frameCount).toBe(30);
    const seen: number[] = [];
    const err = await (async () => {
      for await (const f of decodeFrames(cut, info, { pixelFormat: 'rgb24' })) seen.push(f.index);
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect(err).toMatchObject({ code: 'E_INPUT_CORRUPT' });
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.length).toBeLessThan(30);
    const message = (err as Error).message;
    expect(message).toContain(cut);
    expect(message).toContain(`decoding stopped at frame ${seen.length} after ${seen.length} of 30 frames`);
    expect(message).toMatch(/\[error\]/); // ffmpeg's own words
  });
});

describe('decodeFrames with a fake ffmpeg', () => {
  let info: MediaInfo;
  beforeAll(async () => {
    info = await probeMedia(await makeClip({ duration: 1, fps: 10, audio: 0 }));
  });
  afterEach(() => resetBinaries());

  it('a failing ffmpeg rejects with its stderr tail', async () => {
    setBinaries({
      ffmpeg: await fakeBinary('ffmpeg-fails', 'echo "[info] Input #0, mov" >&2; echo "[error] something went wrong early" >&2; echo "[h264 @ 0x1] [error] no frame!" >&2; echo "[fatal] Conversion failed!" >&2; exit 1'),
    });
    const err = await drain(decodeFrames(info.file, info, { pixelFormat: 'rgb24' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GpenError);
    expect(err).toMatchObject({ code: 'E_FFMPEG_FAILED' });
    const message = (err as Error).message;
    expect(message).toContain(`ffmpeg failed (exit code 1) while decoding ${info.file}.`);
    expect(message).toContain('  [error] something went wrong early\n  [h264 @ 0x1] [error] no frame!\n  [fatal] Conversion failed!');
    expect(message).not.toContain('Input #0'); // info chatter gives way to the errors
  });

  it('a failure after some frames is a damaged input at that frame', async () => {
    setBinaries({ ffmpeg: await fakeBinary('ffmpeg-dies', `head -c ${2 * FRAME} /dev/zero; echo "[error] Invalid data found when processing input" >&2; exit 1`) });
    const seen: number[] = [];
    const err = await (async () => {
      for await (const f of decodeFrames(info.file, info, { pixelFormat: 'rgb24' })) seen.push(f.index);
    })().catch((e: unknown) => e);
    expect(seen).toEqual([0, 1]);
    expect(err).toMatchObject({ code: 'E_INPUT_CORRUPT' });
    expect((err as Error).message).toMatch(/failed at frame 2 \(after 2 frames\)[\s\S]*Invalid data found/);
    expect((err as Error & { cause: unknown }).cause).toMatchObject({ code: 'E_FFMPEG_FAILED' });
  });

  it('a clean exit in the middle of a frame is reported, not yielded', async () => {
    setBinaries({ ffmpeg: await fakeBinary('ffmpeg-half', `head -c ${FRAME + FRAME / 2} /dev/zero; exit 0`) });
    const seen: number[] = [];
    const err = await (async () => {
      for await (const f of decodeFrames(info.file, info, { pixelFormat: 'rgb24' })) seen.push(f.index);
    })().catch((e: unknown) => e);
    expect(seen).toEqual([0]);
    expect(err).toMatchObject({ code: 'E_DECODE_PARTIAL_FRAME', message: expect.stringContaining('middle of frame 1') });
  });

  it('still yields frames, with estimated times, from an ffmpeg that prints no showinfo', async () => {
    setBinaries({ ffmpeg: await fakeBinary('ffmpeg-quiet', `head -c ${3 * FRAME} /dev/zero; exit 0`) });
    const frames: Frame[] = [];
    for await (const f of decodeFrames(info.file, info, { pixelFormat: 'rgb24' })) frames.push(f);
    expect(frames.map((f) => [f.index, f.pts])).toEqual([[0, 0], [1, 0.1], [2, 0.2]]);
    expect(frames.every((f) => f.data.length === FRAME)).toBe(true);
  });

  it('kills an ffmpeg that ignores SIGTERM when the consumer leaves', async () => {
    setBinaries({ ffmpeg: await fakeBinary('ffmpeg-stubborn', `trap '' TERM; head -c ${FRAME} /dev/zero; exec sleep 30`) });
    const before = new Set(liveProcessIds());
    let pid = 0;
    for await (const f of decodeFrames(info.file, info, { pixelFormat: 'rgb24', killGraceMs: 100 })) {
      expect(f.index).toBe(0);
      pid = liveProcessIds().find((p) => !before.has(p)) ?? 0;
      break;
    }
    expect(pid).not.toBe(0);
    expect(liveProcessIds()).not.toContain(pid);
    expect(() => process.kill(pid, 0)).toThrow();
  });
});
