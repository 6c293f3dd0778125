import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { z } from 'zod';
import { EXIT, GpenError, InputError } from '../errors.ts';
import { execFfprobe, ffmpegInputUrl, type ProcessResult } from '../ffmpeg/index.ts';
import { toMediaInfo } from './from-ffprobe.ts';
import type { MediaInfo } from './media-info.ts';
import { rawFrameCountSchema, rawProbeSchema } from './probe-schema.ts';
import { looksLikeContainer } from './sniff.ts';

export interface ProbeOptions {
  signal?: AbortSignal;
  /**
   * Where the container does not store a frame count, decode the video stream once to count its frames
   * (exact, but as slow as a decode) instead of estimating from duration × fps.
   */
  countFrames?: boolean;
}

/** Reads a media file's streams and metadata. Bad input is an InputError (E_INPUT_MISSING, …_NOT_MEDIA, …_NO_VIDEO, …_CORRUPT). */
export async function probeMedia(file: string, options: ProbeOptions = {}): Promise<MediaInfo> {
  const abs = path.resolve(file);
  const size = await inputSize(abs);
  const result = await execFfprobe(
    ['-hide_banner', '-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', '-show_chapters', ffmpegInputUrl(abs)],
    { signal: options.signal, task: `reading ${abs}` },
  );
  if (result.exit.code !== 0) throw probeFailure(abs, result, await looksLikeContainer(abs));
  const raw = parseJson(result, rawProbeSchema, abs);
  const info = toMediaInfo(raw, abs, size, [...result.stderr]);
  if (options.countFrames && info.video.frameCountSource !== 'container') {
    info.video.frameCount = await countFrames(abs, info.video.index, options.signal);
    info.video.frameCountSource = 'counted';
  }
  return info;
}

async function inputSize(abs: string): Promise<number> {
  let st;
  try {
    st = await stat(abs);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new InputError('E_INPUT_MISSING', `Input file not found: ${abs}. Check the path.`, e);
    throw new InputError('E_INPUT_UNREADABLE', `Cannot read input ${abs}: ${(e as Error).message}. Check its permissions.`, e);
  }
  if (st.isDirectory()) throw new InputError('E_INPUT_NOT_MEDIA', `Input ${abs} is a directory, not a video file.`);
  if (st.size === 0) throw new InputError('E_INPUT_NOT_MEDIA', `Input ${abs} is empty (0 bytes): not a media file.`);
  return st.size;
}

/** ffprobe failed: tell a damaged media file from something that is not media at all. */
function probeFailure(abs: string, result: ProcessResult, container: boolean): GpenError {
  const said = result.stderr.filter((l) => l.trim() !== '').slice(-5);
  const quote = said.length > 0 ? `\nffprobe said:\n${said.map((l) => `  ${l}`).join('\n')}` : '';
  const all = said.join('\n');
  if (/No such file or directory/i.test(all)) return new InputError('E_INPUT_MISSING', `Input file not found: ${abs}. Check the path.${quote}`);
  if (/Permission denied/i.test(all)) return new InputError('E_INPUT_UNREADABLE', `Cannot read input ${abs}: permission denied. Check its permissions.${quote}`);
  // A real container whose index is missing or cut short: typically an interrupted download or recording.
  if (container && /moov atom not found|partial file|truncat|EBML header parsing failed|Invalid EBML|End of file/i.test(all)) {
    return new InputError('E_INPUT_CORRUPT', `${abs} looks truncated or damaged: its container could not be read to the end. Re-download or re-export the file.${quote}`);
  }
  if (result.exit.code === null) {
    return new GpenError('E_FFPROBE_FAILED', `ffprobe was killed by ${result.exit.signal ?? 'a signal'} while reading ${abs}.${quote}`, { exitCode: EXIT.internal });
  }
  return new InputError('E_INPUT_NOT_MEDIA', `${abs} is not a media file or its container is not supported by ffprobe.${quote}`);
}

function parseJson<T extends z.ZodType>(result: ProcessResult, schema: T, abs: string): z.output<T> {
  let json: unknown;
  try {
    json = JSON.parse(result.stdout);
  } catch (e) {
    throw new GpenError('E_FFPROBE_OUTPUT', `ffprobe printed something other than JSON for ${abs} (first 200 characters: ${JSON.stringify(result.stdout.slice(0, 200))}).`, { exitCode: EXIT.internal, cause: e });
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new GpenError('E_FFPROBE_OUTPUT', `ffprobe's description of ${abs} has an unexpected shape (${issues}); this ffprobe version may not be supported.`, { exitCode: EXIT.internal });
  }
  return parsed.data;
}

async function countFrames(abs: string, index: number, signal: AbortSignal | undefined): Promise<number> {
  const result = await execFfprobe(
    ['-hide_banner', '-v', 'error', '-count_frames', '-select_streams', String(index), '-show_entries', 'stream=nb_read_frames', '-print_format', 'json', ffmpegInputUrl(abs)],
    { signal, task: `counting the frames of ${abs}` },
  );
  if (result.exit.code !== 0) throw probeFailure(abs, result, true);
  const counted = Number(parseJson(result, rawFrameCountSchema, abs).streams[0]?.nb_read_frames);
  if (!Number.isInteger(counted) || counted < 0) {
    throw new InputError('E_INPUT_CORRUPT', `${abs}: ffprobe could not count the frames of video stream #${index}; the stream is probably damaged.`);
  }
  return counted;
}
