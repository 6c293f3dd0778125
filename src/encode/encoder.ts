import { rm } from 'node:fs/promises';
import path from 'node:path';
import { EXIT, GpenError } from '../errors.ts';
import { ffmpegCapabilities, lineLevel, runFfmpeg, type FfmpegHandle } from '../ffmpeg/index.ts';
import { buildEncodeArgs, type EncodeArgsInput } from './encode-args.ts';
import { assertNotInput } from './output-file.ts';
import type { VideoCodec } from './video-codecs.ts';

export interface EncodeFrame {
  /** One frame, packed rgb24 or rgb48le, exactly width × height × 3 (or 6) bytes. */
  data: Uint8Array;
}

/**
 * `output` is where ffmpeg writes, normally a PreparedOutput's tempPath (the caller commits it); whatever is
 * there is replaced. It must not be the source file.
 */
export type EncodeOptions = Omit<EncodeArgsInput, 'fpsMode'>;

export interface EncodeResult {
  output: string;
  framesWritten: number;
  codec: VideoCodec;
  pixFmt: string;
  /** Conversions and dropped streams decided up front, then what ffmpeg warned about, each once. */
  warnings: string[];
}

const MAX_FFMPEG_WARNINGS = 50;
/** Above Node's default stream buffer (16 KiB) with margin. */
const SMALL_FRAME = 64 * 1024;
/** Back-pressure from a slow producer, not a problem: ffmpeg's reader thread is waiting for our frames. */
const EXPECTED = /Thread message queue blocking/;

/**
 * Encodes frames pulled from `frames` into `options.output`, carrying the source's audio, subtitles, chapters
 * and metadata over. On error or abort ffmpeg is stopped and its partial file removed.
 */
export async function encodeVideo(frames: AsyncIterable<EncodeFrame>, options: EncodeOptions & { signal?: AbortSignal }): Promise<EncodeResult> {
  const { signal } = options;
  signal?.throwIfAborted();
  const output = path.resolve(options.output);
  await assertNotInput(output, options.source.file);
  const { fpsMode } = await ffmpegCapabilities({ signal });
  const plan = buildEncodeArgs({ ...options, output, fpsMode });
  const ffmpegWarnings = new Set<string>();
  let handle: FfmpegHandle | undefined;
  try {
    handle = runFfmpeg(plan.args, {
      signal,
      stdin: 'pipe',
      task: `encoding ${output}`,
      hint: `The partial output was removed.`,
      onStderrLine: (line) => {
        if (lineLevel(line) === 'warning' && !EXPECTED.test(line) && ffmpegWarnings.size < MAX_FFMPEG_WARNINGS) ffmpegWarnings.add(tidy(line));
      },
    });
    const framesWritten = await pump(frames, handle, plan.frameBytes, signal);
    if (framesWritten === 0) throw new GpenError('E_ENCODE_NO_FRAMES', `No frames to encode into ${output}: the frame source ended before the first frame.`, { exitCode: EXIT.internal });
    handle.end();
    await handle.done;
    const warnings = [...plan.warnings, ...frameCountWarning(options, framesWritten), ...ffmpegWarnings];
    return { output, framesWritten, codec: plan.codec, pixFmt: plan.pixFmt, warnings };
  } catch (e) {
    await handle?.stop();
    await rm(output, { force: true });
    throw signal?.aborted ? signal.reason : e;
  }
}

/** Writes every frame, each awaited until the pipe drains; stops at abort or when ffmpeg exits first. */
async function pump(frames: AsyncIterable<EncodeFrame>, handle: FfmpegHandle, frameBytes: number, signal: AbortSignal | undefined): Promise<number> {
  const iterator = frames[Symbol.asyncIterator]();
  // A producer stuck waiting must not keep an abort or a dead ffmpeg waiting too. Not a long-lived
  // promise raced against each step: every Promise.race leaves a reaction on it that holds the
  // step's result (a whole frame) until it settles, i.e. one frame more per frame for the whole run.
  let stopped: { reason: unknown } | null = null;
  const waiting = new Set<(reason: unknown) => void>();
  const stop = (reason: unknown): void => {
    if (stopped) return;
    stopped = { reason };
    for (const reject of waiting) reject(reason);
    waiting.clear();
  };
  const untilStopped = <T>(p: Promise<T>): Promise<T> => {
    if (stopped) return Promise.reject((stopped as { reason: unknown }).reason);
    return new Promise<T>((resolve, reject) => {
      waiting.add(reject);
      p.then(
        (v) => (waiting.delete(reject), resolve(v)),
        (e: unknown) => (waiting.delete(reject), reject(e)),
      );
    });
  };
  const onAbort = () => stop(signal?.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  handle.done.then(
    () => stop(new GpenError('E_FFMPEG_INPUT_CLOSED', 'ffmpeg exited before reading all of its input frames', { exitCode: EXIT.internal })),
    stop,
  );
  let count = 0;
  let finished = false;
  try {
    for (;;) {
      const next = iterator.next();
      next.catch(() => {});
      const item = await untilStopped(next);
      if (item.done) {
        finished = true;
        return count;
      }
      const data = item.value.data;
      if (data.byteLength !== frameBytes) {
        throw new GpenError('E_ENCODE_FRAME_SIZE', `frame ${count} has ${data.byteLength} bytes where the encoder expects ${frameBytes}: the frames do not match the source's size or the input pixel format.`, { exitCode: EXIT.internal });
      }
      // write() waits for 'drain', i.e. until the pipe has taken every byte, only when the frame overflows the
      // stream's buffer; a smaller frame may still sit there when the producer reuses its memory: copy those.
      const written = handle.write(data.byteLength < SMALL_FRAME ? Uint8Array.from(data) : data);
      written.catch(() => {});
      await untilStopped(written);
      count++;
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
    // Lets the producer release what it holds (its own ffmpeg, workers); not awaited, it may be mid-step.
    if (!finished) iterator.return?.()?.catch(() => {});
  }
}

/** Where the source's frame count is exact, a different number of frames means the picture and sound part ways. */
function frameCountWarning(options: EncodeOptions, written: number): string[] {
  const { frameCount, frameCountSource } = options.source.video;
  if (frameCountSource === 'estimated') return [];
  const expected = options.frames ? Math.min(options.frames.end, frameCount) - options.frames.start : frameCount;
  return expected === written ? [] : [`wrote ${written} frames where the source has ${expected}: the video ends earlier or later than its audio`];
}

/** "[libx264 @ 0x55d…] [warning] interlace + weightp…" → "libx264: interlace + weightp…" */
function tidy(line: string): string {
  const m = /^(?:\[([\w-]+) @ [^\]]+\]\s*)?\[warning\]\s*(.*)$/.exec(line.trim());
  if (!m) return line.trim();
  return m[1] ? `${m[1]}: ${m[2] ?? ''}` : (m[2] ?? '');
}
