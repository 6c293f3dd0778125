import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { MediaInfo } from '../../src/decode/media-info.ts';
import { probeMedia } from '../../src/decode/probe.ts';
import { encodeVideo } from '../../src/encode/encoder.ts';
import { prepareOutput } from '../../src/encode/output-file.ts';
import { GpenError } from '../../src/errors.ts';
import { resetBinaries, setBinaries } from '../../src/ffmpeg/binaries.ts';
import { liveProcessIds } from '../../src/ffmpeg/run.ts';
import { fakeBinary, makeClip, tempDir } from '../helpers/clips.ts';
import { alive } from '../helpers/process.ts';

const FRAME = 160 * 120 * 3;


/** Grey frames, forever unless `count` is given; `onFrame` sees each index before it is handed out. */
async function* grey(count = Infinity, onFrame: (i: number) => void | Promise<void> = () => {}): AsyncGenerator<{ data: Uint8Array }> {
  for (let i = 0; i < count; i++) {
    await onFrame(i);
    yield { data: new Uint8Array(FRAME).fill(100 + (i % 50)) };
  }
}

async function source(): Promise<MediaInfo> {
  return probeMedia(await makeClip({ fps: 25, duration: 1, audio: 1 }));
}

/** Names in the scratch folder that belong to this output (final or temp). */
async function leftovers(name: string): Promise<string[]> {
  return (await readdir(tempDir())).filter((f) => f.includes(name));
}

afterEach(() => resetBinaries());

describe('encodeVideo: abort', () => {
  it('abort mid-way kills ffmpeg and leaves neither temp nor final file', async () => {
    const info = await source();
    const out = await prepareOutput(path.join(tempDir(), 'aborted.mp4'), { inputPath: info.file });
    const controller = new AbortController();
    let pid: number | undefined;
    const frames = grey(Infinity, (i) => {
      if (i === 5) {
        pid = liveProcessIds()[0];
        controller.abort(new Error('user pressed Ctrl-C'));
      }
    });
    const run = encodeVideo(frames, { source: info, output: out.tempPath, signal: controller.signal });
    await expect(run).rejects.toThrow('user pressed Ctrl-C');
    await out.discard();
    expect(pid).toBeDefined();
    expect(alive(pid!)).toBe(false);
    expect(liveProcessIds()).toEqual([]);
    expect(await leftovers('aborted.mp4')).toEqual([]);
  });

  it('an abort is not held up by a producer that is stuck waiting', async () => {
    const info = await source();
    const output = path.join(tempDir(), 'stuck.mkv');
    const controller = new AbortController();
    async function* stuck(): AsyncGenerator<{ data: Uint8Array }> {
      yield { data: new Uint8Array(FRAME) };
      controller.abort(new Error('gave up waiting'));
      await new Promise(() => {}); // never resolves
    }
    await expect(encodeVideo(stuck(), { source: info, output, signal: controller.signal })).rejects.toThrow('gave up waiting');
    expect(liveProcessIds()).toEqual([]);
    expect(await leftovers('stuck.mkv')).toEqual([]);
  });

  it('an already aborted signal starts nothing', async () => {
    const info = await source();
    const controller = new AbortController();
    controller.abort(new Error('too late'));
    await expect(encodeVideo(grey(3), { source: info, output: path.join(tempDir(), 'never.mkv'), signal: controller.signal })).rejects.toThrow('too late');
    expect(await leftovers('never.mkv')).toEqual([]);
  });
});

describe('encodeVideo: ffmpeg failures', () => {
  it('ffmpeg failing at once: a GpenError quoting its stderr tail, nothing left behind', async () => {
    const info = await source();
    setBinaries({ ffmpeg: await fakeBinary('ffmpeg', `echo "[libx264 @ 0x1] [error] broken encoder for this test: Invalid argument" >&2\nexit 1`) });
    const output = path.join(tempDir(), 'failed-early.mp4');
    const err = await encodeVideo(grey(50), { source: info, output }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GpenError);
    expect((err as GpenError).code).toBe('E_FFMPEG_FAILED');
    expect((err as GpenError).message).toContain('broken encoder for this test');
    expect((err as GpenError).message).toContain(`encoding ${output}`);
    expect(await leftovers('failed-early.mp4')).toEqual([]);
  });

  it('ffmpeg failing after reading every frame (a full disk at the trailer): its partial file is removed', async () => {
    const info = await source();
    // Reads stdin to the end, writes a partial output where it was told to, then fails.
    const body = `for last; do :; done\nprintf partial > "\${last#file:}"\ncat > /dev/null\necho "[mp4 @ 0x2] [error] Error writing trailer: No space left on device" >&2\nexit 1`;
    setBinaries({ ffmpeg: await fakeBinary('ffmpeg', body) });
    const output = path.join(tempDir(), 'failed-late.mp4');
    await expect(encodeVideo(grey(10), { source: info, output })).rejects.toThrow(/No space left on device/);
    expect(await leftovers('failed-late.mp4')).toEqual([]);
  });

  it('ffmpeg exiting cleanly before taking all frames is an error, not a short video', async () => {
    const info = await source();
    setBinaries({ ffmpeg: await fakeBinary('ffmpeg', 'exit 0') });
    const output = path.join(tempDir(), 'quit.mp4');
    const err = await encodeVideo(grey(Infinity), { source: info, output }).catch((e: unknown) => e);
    expect((err as GpenError).code).toMatch(/E_FFMPEG_INPUT_CLOSED/);
    expect(await leftovers('quit.mp4')).toEqual([]);
  });
});

describe('encodeVideo: refused input', () => {
  it('a frame of the wrong size stops the encode and names the frame', async () => {
    const info = await source();
    async function* frames(): AsyncGenerator<{ data: Uint8Array }> {
      yield* grey(3);
      yield { data: new Uint8Array(FRAME - 3) };
    }
    const output = path.join(tempDir(), 'wrong-size.mkv');
    const err = await encodeVideo(frames(), { source: info, output }).catch((e: unknown) => e);
    expect((err as GpenError).code).toBe('E_ENCODE_FRAME_SIZE');
    expect((err as GpenError).message).toMatch(/frame 3 has 57597 bytes where the encoder expects 57600/);
    expect(liveProcessIds()).toEqual([]);
    expect(await leftovers('wrong-size.mkv')).toEqual([]);
  });

  it('no frames at all is an error', async () => {
    const info = await source();
    const output = path.join(tempDir(), 'empty.mkv');
    await expect(encodeVideo(grey(0), { source: info, output })).rejects.toMatchObject({ code: 'E_ENCODE_NO_FRAMES' });
    expect(await leftovers('empty.mkv')).toEqual([]);
  });

  it('never writes over its own source', async () => {
    const info = await source();
    const before = await readFile(info.file);
    const sneaky = path.join(path.dirname(info.file), '.', path.basename(info.file));
    await expect(encodeVideo(grey(3), { source: info, output: sneaky })).rejects.toMatchObject({ code: 'E_OUTPUT_IS_INPUT' });
    expect((await readFile(info.file)).equals(before)).toBe(true);
    expect((await stat(info.file)).size).toBe(before.length);
  });

  it('refuses a codec the container cannot hold before starting anything', async () => {
    const info = await source();
    const output = path.join(tempDir(), 'prores.mp4');
    await expect(encodeVideo(grey(3), { source: info, output, codec: 'prores' })).rejects.toMatchObject({ code: 'E_OUTPUT_CODEC' });
    expect(await leftovers('prores.mp4')).toEqual([]);
  });
});
