import { beforeAll, describe, expect, it } from 'vitest';
import { FramePool } from '../../src/decode/frame-pool.ts';
import { decodeFrames, type Frame } from '../../src/decode/frames.ts';
import { probeMedia } from '../../src/decode/probe.ts';
import { UsageError } from '../../src/errors.ts';
import { liveProcessIds } from '../../src/ffmpeg/run.ts';
import { clipFromFrames, ffmpeg, ffmpegOwnRotation, makeClip } from '../helpers/clips.ts';
import { alive } from '../helpers/process.ts';

const W = 48;
const H = 32;
const FPS = 10;
const COUNT = 12;

/** A busy, frame-specific RGB pattern: any swap, shift, flip or rounding shows. */
function pattern(i: number, bytesPerSample = 1): Buffer {
  const out = Buffer.alloc(W * H * 3 * bytesPerSample);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      for (let c = 0; c < 3; c++) {
        const v = (x * 7 + y * 13 + i * 29 + c * 71 + ((x * y) % 17)) & 255;
        const p = ((y * W + x) * 3 + c) * bytesPerSample;
        if (bytesPerSample === 1) out[p] = v;
        else out.writeUInt16LE((v << 8) | ((x * 31 + y * 5 + c * 3 + i) & 255), p);
      }
    }
  }
  return out;
}

const source = Array.from({ length: COUNT }, (_, i) => pattern(i));

async function collect(frames: AsyncIterable<Frame>): Promise<Frame[]> {
  const out: Frame[] = [];
  for await (const f of frames) out.push({ ...f, data: Buffer.from(f.data) });
  return out;
}

/** Turns packed RGB clockwise by `rotation` degrees. */
function rotate(data: Buffer, w: number, h: number, rotation: number): Buffer {
  const out = Buffer.alloc(data.length);
  const [ow, oh] = rotation % 180 === 0 ? [w, h] : [h, w];
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) {
      const [sx, sy] = rotation === 90 ? [y, h - 1 - x] : rotation === 180 ? [w - 1 - x, h - 1 - y] : rotation === 270 ? [w - 1 - y, x] : [x, y];
      data.copy(out, (y * ow + x) * 3, (sy * w + sx) * 3, (sy * w + sx) * 3 + 3);
    }
  }
  return out;
}


describe('decodeFrames: exact pixels', () => {
  it('decodes lossless RGB (ffv1, bgr0 in mkv) to the very same bytes, with indices and times', async () => {
    const file = await clipFromFrames(source, { width: W, height: H, fps: FPS, inputPixFmt: 'rgb24', codec: 'ffv1', codecPixFmt: 'bgr0', container: 'mkv' });
    const info = await probeMedia(file);
    const frames = await collect(decodeFrames(file, info, { pixelFormat: 'rgb24' }));
    expect(frames).toHaveLength(COUNT);
    frames.forEach((f, i) => {
      expect(f).toMatchObject({ index: i, width: W, height: H });
      expect(f.pts).toBeCloseTo(i / FPS, 6);
      expect(f.data.length).toBe(W * H * 3);
      expect(f.data.equals(source[i] as Buffer)).toBe(true);
    });
  });

  it('decodes into a pool\'s buffers, reusing each one given back, with the same bytes', async () => {
    const file = await clipFromFrames(source, { width: W, height: H, fps: FPS, inputPixFmt: 'rgb24', codec: 'ffv1', codecPixFmt: 'bgr0', container: 'mkv' });
    const pool = new FramePool();
    const seen = new Set<ArrayBufferLike>();
    let count = 0;
    for await (const f of decodeFrames(file, await probeMedia(file), { pixelFormat: 'rgb24', pool })) {
      expect(f.data.equals(source[f.index] as Buffer)).toBe(true);
      seen.add(f.data.buffer);
      count++;
      // handed back before the next frame is pulled: the decoder writes that frame into it
      pool.give(f.data);
    }
    expect(count).toBe(COUNT);
    expect(seen.size).toBe(1);
  });

  it('decodes lossless H.264 RGB (libx264rgb -qp 0 in mp4) to the very same bytes', async () => {
    const file = await clipFromFrames(source, { width: W, height: H, fps: FPS, inputPixFmt: 'rgb24', codec: 'libx264rgb', codecPixFmt: 'rgb24', container: 'mp4', extraArgs: ['-qp', '0', '-preset', 'ultrafast'] });
    const frames = await collect(decodeFrames(file, await probeMedia(file), { pixelFormat: 'rgb24' }));
    expect(frames.map((f) => f.data.equals(source[f.index] as Buffer))).toEqual(Array(COUNT).fill(true));
  });

  it('keeps 16-bit RGB exact with rgb48le', async () => {
    const deep = Array.from({ length: 4 }, (_, i) => pattern(i, 2));
    const file = await clipFromFrames(deep, { width: W, height: H, fps: FPS, inputPixFmt: 'rgb48le', codec: 'ffv1', codecPixFmt: 'rgb48le', container: 'mkv' });
    const info = await probeMedia(file);
    expect(info.video.bitDepth).toBe(16);
    const frames = await collect(decodeFrames(file, info, { pixelFormat: 'rgb48le' }));
    expect(frames.map((f) => f.data.length)).toEqual(Array(4).fill(W * H * 6));
    expect(frames.map((f, i) => f.data.equals(deep[i] as Buffer))).toEqual(Array(4).fill(true));
  });

  it('decodes a >8-bit YCbCr source with its extra precision in rgb48le, matching rgb24 in the high byte', async () => {
    const file = await makeClip({ container: 'mkv', codec: 'ffv1', pixFmt: 'yuv420p10le', audio: 0, duration: 0.3 });
    const info = await probeMedia(file);
    expect(info.video.bitDepth).toBe(10);
    const [deep] = await collect(decodeFrames(file, info, { pixelFormat: 'rgb48le', frames: { start: 0, end: 1 } }));
    const [shallow] = await collect(decodeFrames(file, info, { pixelFormat: 'rgb24', frames: { start: 0, end: 1 } }));
    expect(deep?.data.length).toBe(160 * 120 * 6);
    let notFromEightBits = 0;
    let diff = 0;
    for (let i = 0; i < 160 * 120 * 3; i++) {
      const v = deep?.data.readUInt16LE(i * 2) ?? 0;
      if (v % 257 !== 0) notFromEightBits++;
      diff += Math.abs((v >> 8) - (shallow?.data[i] ?? 0));
    }
    expect(notFromEightBits).toBeGreaterThan(1000);
    expect(diff / (160 * 120 * 3)).toBeLessThan(1);
  });
});

describe('decodeFrames: colour conversion', () => {
  // Flat frames of one YCbCr colour each: black, white, saturated red, green and blue (BT.601 limited values).
  const colours: [number, number, number][] = [[16, 128, 128], [235, 128, 128], [81, 90, 240], [145, 54, 34], [41, 240, 110], [128, 160, 96]];
  const yuvFrames = colours.map(([y, u, v]) => Buffer.concat([Buffer.alloc(W * H, y), Buffer.alloc(W * H, u), Buffer.alloc(W * H, v)]));

  function expected([y, u, v]: [number, number, number], matrix: 'bt601' | 'bt709', range: 'tv' | 'pc'): number[] {
    const [kr, kb] = matrix === 'bt601' ? [0.299, 0.114] : [0.2126, 0.0722];
    const yn = range === 'tv' ? (y - 16) / 219 : y / 255;
    const pb = (u - 128) / (range === 'tv' ? 224 : 255);
    const pr = (v - 128) / (range === 'tv' ? 224 : 255);
    const r = yn + 2 * (1 - kr) * pr;
    const b = yn + 2 * (1 - kb) * pb;
    const g = (yn - kr * r - kb * b) / (1 - kr - kb);
    return [r, g, b].map((c) => Math.round(Math.min(1, Math.max(0, c)) * 255));
  }

  for (const [tags, matrix, range] of [
    [['-colorspace', 'bt709', '-color_range', 'tv'], 'bt709', 'tv'],
    [['-colorspace', 'smpte170m', '-color_range', 'pc'], 'bt601', 'pc'],
    [[], 'bt601', 'tv'], // untagged and under 720 lines: BT.601, limited
  ] as const) {
    it(`uses the source's matrix and range (${matrix}, ${range}${tags.length === 0 ? ', untagged' : ''})`, async () => {
      const file = await clipFromFrames(yuvFrames, { width: W, height: H, fps: FPS, inputPixFmt: 'yuv444p', codec: 'ffv1', codecPixFmt: 'yuv444p', container: 'mkv', extraArgs: [...tags] });
      const info = await probeMedia(file);
      const frames = await collect(decodeFrames(file, info, { pixelFormat: 'rgb24' }));
      expect(frames).toHaveLength(colours.length);
      frames.forEach((f, i) => {
        const want = expected(colours[i] as [number, number, number], matrix, range);
        const got = [...f.data.subarray(0, 3)];
        got.forEach((c, k) => expect(Math.abs(c - (want[k] as number)), `frame ${i}: got ${got}, want ${want}`).toBeLessThanOrEqual(2));
        // Identical source pixels decode identically.
        for (let p = 3; p < f.data.length; p += 3) if (f.data[p] !== got[0] || f.data[p + 1] !== got[1] || f.data[p + 2] !== got[2]) throw new Error(`frame ${i} not flat at ${p / 3}`);
      });
    });
  }
});

describe('decodeFrames: geometry and counts', () => {
  for (const rotateTag of [90, 180, 270]) {
    it(`rotates once, as ffmpeg's own autorotate does (rotate tag ${rotateTag})`, async () => {
      const file = await clipFromFrames(source.slice(0, 3), {
        width: W, height: H, fps: FPS, inputPixFmt: 'rgb24', codec: 'libx264rgb', codecPixFmt: 'rgb24', container: 'mp4',
        extraArgs: ['-qp', '0', '-preset', 'ultrafast'], rotateTag,
      });
      const info = await probeMedia(file);
      const rotation = info.video.rotation;
      expect(rotation).toBe(await ffmpegOwnRotation(file));
      expect(rotation).not.toBe(0);
      const frames = await collect(decodeFrames(file, info, { pixelFormat: 'rgb24' }));
      const [fw, fh] = rotation === 180 ? [W, H] : [H, W];
      expect(frames.map((f) => [f.width, f.height])).toEqual(Array(3).fill([fw, fh]));
      expect([info.video.frameWidth, info.video.frameHeight]).toEqual([fw, fh]);
      // Oracle 1: our own rotation of the known frames.
      frames.forEach((f, i) => expect(f.data.equals(rotate(source[i] as Buffer, W, H, rotation))).toBe(true));
      // Oracle 2: ffmpeg with its default autorotate.
      const theirs = await ffmpeg(['-i', file, '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1']);
      expect(Buffer.concat(frames.map((f) => f.data)).equals(theirs)).toBe(true);
    });
  }

  it('keeps the SAR as metadata instead of resampling', async () => {
    const file = await makeClip({ sar: '4/3', audio: 0, duration: 0.5 });
    const info = await probeMedia(file);
    const frames = await collect(decodeFrames(file, info, { pixelFormat: 'rgb24' }));
    expect(frames.map((f) => [f.width, f.height])).toEqual(Array(5).fill([160, 120]));
    expect(info.video.frameSar).toEqual({ num: 4, den: 3 });
  });

  it('yields exactly the source frame count, from mp4 (header count) and mkv (estimated)', async () => {
    for (const container of ['mp4', 'mkv'] as const) {
      const file = await makeClip({ container, audio: 1, duration: 2, fps: 10, source: 'pan' });
      const info = await probeMedia(file, { countFrames: true });
      const frames = await collect(decodeFrames(file, info, { pixelFormat: 'rgb24' }));
      expect(frames).toHaveLength(20);
      expect(info.video.frameCount).toBe(20);
      expect(frames.map((f) => f.index)).toEqual([...Array(20).keys()]);
    }
  });

  it('gives NTSC timestamps to the millisecond', async () => {
    const file = await makeClip({ container: 'mkv', fps: '30000/1001', duration: 1, audio: 0 });
    const frames = await collect(decodeFrames(file, await probeMedia(file), { pixelFormat: 'rgb24' }));
    expect(frames.length).toBeGreaterThanOrEqual(29);
    frames.forEach((f, i) => expect(Math.abs(f.pts - (i * 1001) / 30000)).toBeLessThan(0.0011));
  });
});

describe('decodeFrames: frame ranges', () => {
  let file: string;
  beforeAll(async () => {
    file = await clipFromFrames(source, { width: W, height: H, fps: FPS, inputPixFmt: 'rgb24', codec: 'ffv1', codecPixFmt: 'bgr0', container: 'mkv', extraArgs: ['-g', '4'] });
  });

  it('yields the requested frames with their source indices, times and pixels', async () => {
    const info = await probeMedia(file);
    const frames = await collect(decodeFrames(file, info, { pixelFormat: 'rgb24', frames: { start: 5, end: 9 } }));
    expect(frames.map((f) => f.index)).toEqual([5, 6, 7, 8]);
    frames.forEach((f) => {
      expect(f.pts).toBeCloseTo(f.index / FPS, 6);
      expect(f.data.equals(source[f.index] as Buffer)).toBe(true);
    });
  });

  it('clamps the end to the last frame where the count is exact', async () => {
    const info = await probeMedia(file, { countFrames: true });
    const frames = await collect(decodeFrames(file, info, { pixelFormat: 'rgb24', frames: { start: COUNT - 2, end: COUNT + 50 } }));
    expect(frames.map((f) => f.index)).toEqual([COUNT - 2, COUNT - 1]);
  });

  it('refuses ranges that are malformed or start past the end', async () => {
    const info = await probeMedia(file, { countFrames: true });
    for (const frames of [{ start: 3, end: 3 }, { start: -1, end: 2 }, { start: 1.5, end: 4 }, { start: COUNT, end: COUNT + 1 }]) {
      expect(() => decodeFrames(file, info, { pixelFormat: 'rgb24', frames })).toThrow(UsageError);
    }
    expect(() => decodeFrames(file, info, { pixelFormat: 'yuv420p' as 'rgb24' })).toThrow(UsageError);
  });
});

describe('decodeFrames: stopping', () => {
  let file: string;
  beforeAll(async () => {
    file = await makeClip({ duration: 3, fps: 10, audio: 0 });
  });

  it('a consumer that breaks out stops ffmpeg before the loop ends', async () => {
    const info = await probeMedia(file);
    const before = new Set(liveProcessIds());
    let pid = 0;
    for await (const f of decodeFrames(file, info, { pixelFormat: 'rgb24' })) {
      expect(f.index).toBe(0);
      pid = liveProcessIds().find((p) => !before.has(p)) ?? 0;
      expect(alive(pid)).toBe(true); // still running: 30 frames do not fit in the pipe
      break;
    }
    expect(liveProcessIds()).not.toContain(pid);
    expect(alive(pid)).toBe(false);
  });

  it('a consumer that throws stops ffmpeg too', async () => {
    const info = await probeMedia(file);
    const before = new Set(liveProcessIds());
    let pid = 0;
    await expect(
      (async () => {
        for await (const f of decodeFrames(file, info, { pixelFormat: 'rgb24' })) {
          pid = liveProcessIds().find((p) => !before.has(p)) ?? 0;
          if (f.index === 2) throw new Error('consumer failed');
        }
      })(),
    ).rejects.toThrow('consumer failed');
    expect(alive(pid)).toBe(false);
  });

  it('aborting mid-stream rejects with the reason and leaves no process', async () => {
    const info = await probeMedia(file);
    const controller = new AbortController();
    const before = new Set(liveProcessIds());
    let pid = 0;
    const seen: number[] = [];
    const run = (async () => {
      for await (const f of decodeFrames(file, info, { pixelFormat: 'rgb24', signal: controller.signal })) {
        seen.push(f.index);
        pid = liveProcessIds().find((p) => !before.has(p)) ?? pid;
        if (f.index === 3) controller.abort();
      }
    })();
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    expect(seen).toEqual([0, 1, 2, 3]);
    expect(alive(pid)).toBe(false);
    expect(liveProcessIds().filter((p) => !before.has(p))).toEqual([]);
  });

  it('an already aborted signal starts nothing', async () => {
    const info = await probeMedia(file);
    const before = liveProcessIds().length;
    const iterator = decodeFrames(file, info, { pixelFormat: 'rgb24', signal: AbortSignal.abort() })[Symbol.asyncIterator]();
    await expect(iterator.next()).rejects.toMatchObject({ name: 'AbortError' });
    expect(liveProcessIds().length).toBe(before);
  });

  it('with reuseBuffers, each frame is right while it is the current one', async () => {
    const lossless = await clipFromFrames(source, { width: W, height: H, fps: FPS, inputPixFmt: 'rgb24', codec: 'ffv1', codecPixFmt: 'bgr0', container: 'mkv' });
    const buffers = new Set<ArrayBufferLike>();
    let n = 0;
    for await (const f of decodeFrames(lossless, await probeMedia(lossless), { pixelFormat: 'rgb24', reuseBuffers: true })) {
      expect(f.data.equals(source[f.index] as Buffer)).toBe(true);
      buffers.add(f.data.buffer);
      n++;
    }
    expect(n).toBe(COUNT);
    expect(buffers.size).toBeLessThanOrEqual(2);
  });
});
