import path from 'node:path';
import { EXIT, GpenError, InputError, UsageError } from '../errors.ts';
import { ffmpegCapabilities, ffmpegInputUrl, isErrorLine, runFfmpeg, type FfmpegHandle } from '../ffmpeg/index.ts';
import { markStage } from '../runtime/stage-clock.ts';
import { decodeArgs, frameBytes, type DecodePixelFormat, type FrameRange } from './decode-args.ts';
import type { FramePool } from './frame-pool.ts';
import { exactChunks } from './frame-reader.ts';
import { FrameTimes } from './frame-times.ts';
import type { MediaInfo } from './media-info.ts';
import { frameSeconds, parseShowinfoLine } from './showinfo.ts';

export interface Frame {
  /** Index in the source, counting decoded frames from 0 (also with a frame range). */
  index: number;
  /** Presentation time in seconds, on ffmpeg's timeline for this input (the file's start time is 0). */
  pts: number;
  width: number;
  height: number;
  /** Packed RGB, rows top to bottom: exactly width × height × 3 bytes (rgb24) or × 6 (rgb48le, little-endian). */
  data: Buffer;
}

export interface DecodeOptions {
  signal?: AbortSignal;
  /** Frames [start, end) by source index. The end is clamped to the frame count where that count is exact. */
  frames?: FrameRange;
  /** rgb48le keeps a >8-bit source's precision; rgb24 rounds it (the caller decides which it accepts). */
  pixelFormat: DecodePixelFormat;
  /**
   * Recycle frame buffers instead of allocating one per frame. A frame's `data` then stays valid only
   * until the next frame is pulled: copy it to keep it longer. Without this, every frame owns its buffer.
   */
  reuseBuffers?: boolean;
  /** Otherwise, frames' buffers come from this pool (the consumer gives each back when done with it). */
  pool?: FramePool;
  /**
   * With `frames`: the pts of frame `frames.start` as a full decode of this file reported it. Decoding then
   * seeks there instead of decoding every earlier frame. The caller must check that the frames it gets are
   * the right ones (pts and content), as seeking is only as exact as the container's index and timestamps.
   */
  seekPts?: number;
  /** SIGTERM → SIGKILL grace when stopping ffmpeg (tests shorten it). */
  killGraceMs?: number;
}

/**
 * Decodes the video stream of a probed file to raw RGB frames, in display orientation, at the stored
 * resolution (SAR stays metadata: info.video.frameSar). Frames are pulled: a consumer that stops pulling
 * stalls ffmpeg, so memory stays flat. Leaving the loop early (break, throw) or aborting the signal
 * stops ffmpeg; the iterator finishes only after the process has exited.
 */
export function decodeFrames(file: string, info: MediaInfo, options: DecodeOptions): AsyncIterable<Frame> {
  if (options.pixelFormat !== 'rgb24' && options.pixelFormat !== 'rgb48le') {
    throw new UsageError(`Unsupported decode pixel format "${String(options.pixelFormat)}": use rgb24 or rgb48le.`, 'E_PIXEL_FORMAT');
  }
  const range = options.frames ? checkedRange(options.frames, info) : undefined;
  return { [Symbol.asyncIterator]: () => decode(path.resolve(file), info, options, range) };
}

function checkedRange(r: FrameRange, info: MediaInfo): FrameRange {
  if (!Number.isSafeInteger(r.start) || !Number.isSafeInteger(r.end) || r.start < 0 || r.end <= r.start) {
    throw new UsageError(`Bad frame range ${r.start}..${r.end}: need whole numbers with 0 <= start < end (end is exclusive).`, 'E_FRAME_RANGE');
  }
  const { frameCount, frameCountSource } = info.video;
  if (frameCountSource === 'estimated') return r;
  if (r.start >= frameCount) {
    throw new UsageError(`Frame range ${r.start}..${r.end} starts after the end of ${info.file}, which has ${frameCount} frames (0..${frameCount - 1}).`, 'E_FRAME_RANGE');
  }
  return { start: r.start, end: Math.min(r.end, frameCount) };
}

async function* decode(abs: string, info: MediaInfo, options: DecodeOptions, range: FrameRange | undefined): AsyncGenerator<Frame, void, undefined> {
  const { signal, pixelFormat } = options;
  const video = info.video;
  const caps = await ffmpegCapabilities({ signal });
  // Half a frame early: the wanted frame is kept whatever the rounding of its timestamp, the one before is not.
  const seekSeconds = range && options.seekPts !== undefined ? options.seekPts - 0.5 / (video.fps || 25) : undefined;
  const args = decodeArgs({ input: ffmpegInputUrl(abs), video, pixelFormat, range, ...(seekSeconds !== undefined ? { seekSeconds } : {}), fpsMode: caps.fpsMode });
  const { frameWidth: width, frameHeight: height } = video;
  const start = range?.start ?? 0;
  const times = new FrameTimes();
  let timeBase = video.timeBase;
  let errorLines = 0;

  const handle = runFfmpeg(args, {
    signal,
    stdout: 'pipe',
    task: `decoding ${abs}`,
    killGraceMs: options.killGraceMs,
    onStderrLine: (line) => {
      const parsed = parseShowinfoLine(line);
      if (parsed === null) {
        if (isErrorLine(line)) errorLines++;
        return true;
      }
      if (parsed.kind === 'config') timeBase = parsed.timeBase;
      else if (parsed.kind === 'frame') times.push(parsed.n, frameSeconds(parsed, timeBase));
      return false;
    },
  });
  handle.done.then(
    () => times.close(),
    () => times.close(),
  );

  let produced = 0;
  let lastPts: number | null = null;
  const state = { leftover: 0 };
  const pool = options.pool;
  try {
    const stdout = handle.stdout;
    if (!stdout) throw new Error('runFfmpeg gave no stdout despite stdout: "pipe"');
    for await (const data of exactChunks(stdout, frameBytes(width, height, pixelFormat), { reuse: options.reuseBuffers, state, ...(pool ? { alloc: (n: number) => pool.take(n) } : {}) })) {
      signal?.throwIfAborted();
      // Without showinfo's time (an ffmpeg that logs differently) fall back to one frame period on.
      const shown = await times.take(produced);
      // After a seek ffmpeg counts time from the seek point.
      const seconds: number = shown !== null ? shown + Math.max(0, seekSeconds ?? 0) : (lastPts !== null && video.fps > 0 ? lastPts + 1 / video.fps : (start + produced) / (video.fps || 1));
      lastPts = seconds;
      const frame: Frame = { index: start + produced, pts: seconds, width, height, data };
      if (produced === 0) markStage('first-frame-decoded');
      produced++;
      yield frame;
    }
    await handle.done;
  } catch (e) {
    if (signal?.aborted) throw signal.reason;
    throw failedMidway(e, abs, start + produced, produced, handle);
  } finally {
    // Early exit (break, throw, abort): kill ffmpeg and wait for it, so no process outlives the loop.
    await handle.stop();
  }
  checkComplete(abs, info, range, produced, errorLines, state.leftover, handle);
}

/**
 * ffmpeg exited with an error after writing some frames: the input broke there. Before any frame it may be
 * anything (bad arguments, a missing codec), and a process killed by a signal says nothing about the input.
 */
function failedMidway(e: unknown, abs: string, at: number, produced: number, handle: FfmpegHandle): unknown {
  if (produced === 0 || !(e instanceof GpenError) || typeof handle.exit()?.code !== 'number') return e;
  return new InputError('E_INPUT_CORRUPT', `Decoding ${abs} failed at frame ${at} (after ${produced} frames): the file is damaged or truncated.\n${e.message}`, e);
}

/** ffmpeg exited normally: a file cut short still comes out as a clean exit with fewer frames and logged errors. */
function checkComplete(abs: string, info: MediaInfo, range: FrameRange | undefined, produced: number, errorLines: number, leftover: number, handle: FfmpegHandle): void {
  const start = range?.start ?? 0;
  const { frameCount, frameCountSource } = info.video;
  const end = range ? Math.min(range.end, frameCount) : frameCount;
  const expected = Math.max(0, end - start);
  const tail = handle.stderr.tail();
  const quoted = tail.length > 0 ? `\nLast lines from ffmpeg:\n${tail.map((l) => `  ${l}`).join('\n')}` : '';
  if (leftover > 0) {
    throw new GpenError('E_DECODE_PARTIAL_FRAME', `ffmpeg stopped in the middle of frame ${start + produced} while decoding ${abs} (${leftover} bytes of a frame).${quoted}`, { exitCode: EXIT.internal });
  }
  // Counts from the container index or a full count are exact; an estimate may be a little off either way.
  const short = frameCountSource === 'estimated' ? produced < expected - 1 : produced < expected;
  if (short && errorLines > 0) {
    const what = frameCountSource === 'estimated' ? `about ${expected}` : `${expected}`;
    throw new InputError(
      'E_INPUT_CORRUPT',
      `${abs} is truncated or damaged: decoding stopped at frame ${start + produced} after ${produced} of ${what} frames, with errors from ffmpeg. Re-download or re-export the file, or restore only frames before ${start + produced}.${quoted}`,
    );
  }
}
