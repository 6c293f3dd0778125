import path from 'node:path';
import type { DecodePixelFormat } from '../decode/decode-args.ts';
import type { MediaInfo } from '../decode/media-info.ts';
import type { Rational } from '../decode/rational.ts';
import { UsageError } from '../errors.ts';
import { ffmpegInputUrl } from '../ffmpeg/index.ts';
import { colorTagArgs, INTERLACED, needsYuvConversion, yuvScaleFilter } from './color.ts';
import { containerForPath, extensionsFor, type ContainerName } from './containers.ts';
import { chromaOf, defaultPixFmt } from './output-pix-fmt.ts';
import { planStreams } from './stream-plan.ts';
import { formatRational, videoTiming, type ExcerptFrames, type VideoTiming } from './timing.ts';
import { CODECS, codecArgs, validateCodecOptions, type VideoCodec } from './video-codecs.ts';
import { videoTagArgs } from './video-tags.ts';

export type EncodeSource = Pick<MediaInfo, 'file' | 'video' | 'audio' | 'subtitles' | 'other' | 'chapters'>;

export interface EncodeArgsInput {
  /** The probed source: its audio, subtitles, chapters and metadata are copied from this file. */
  source: EncodeSource;
  /** Where ffmpeg writes; its extension picks the container. */
  output: string;
  /** Layout of the frames on stdin; default rgb24. */
  inputPixelFormat?: DecodePixelFormat;
  codec?: VideoCodec;
  crf?: number;
  encoderPreset?: string;
  /** Output pix_fmt; default: the source's layout and depth as far as the codec allows. */
  pixFmt?: string;
  /** Rate of the frames; default: the source's (r_frame_rate where it agrees with the average). */
  frameRate?: Rational;
  /** Seconds on the source's timeline where the source's first frame belongs; default: the video stream's start_time. */
  startTime?: number;
  /**
   * The frames are this range of the source (decodeFrames' `frames`): the output is that excerpt, starting at
   * zero, with the source's audio and subtitles cut to it.
   */
  frames?: ExcerptFrames;
  /**
   * Video only, for a render-farm chunk: no audio, subtitles, chapters or metadata (assemble adds them once),
   * closed GOPs, and time zero at the first frame of `frames`.
   */
  videoOnly?: boolean;
  /** ffmpeg 5.1+ spells frame-rate passthrough -fps_mode; older ones only know -vsync. */
  fpsMode: boolean;
}

export interface EncodeArgs {
  args: string[];
  /** Things the user should know: conversions, dropped streams, rounding. */
  warnings: string[];
  container: ContainerName;
  codec: VideoCodec;
  pixFmt: string;
  width: number;
  height: number;
  /** Bytes of one input frame. */
  frameBytes: number;
  timing: VideoTiming;
}

/**
 * ffmpeg arguments that encode raw RGB frames from stdin (input #0) and copy everything else from the source
 * (input #1), on the source's own timeline (-copyts): audio and subtitle packets keep their timestamps, the
 * video gets the source video's start and frame rate.
 */
export function buildEncodeArgs(input: EncodeArgsInput): EncodeArgs {
  const { source, output } = input;
  const video = source.video;
  const codec = input.codec ?? 'libx264';
  const container = containerForPath(output);
  if (!container.videoCodecs.includes(codec)) {
    const can = extensionsFor(codec);
    throw new UsageError(`${container.label} cannot hold ${CODECS[codec].label} video (${path.basename(output)}). Use ${can.join(', ')} for --codec ${codec}, or another --codec.`, 'E_OUTPUT_CODEC');
  }
  validateCodecOptions(codec, input.crf, input.encoderPreset, input.pixFmt);
  const warnings: string[] = [];
  const width = video.frameWidth;
  const height = video.frameHeight;
  const pixFmt = input.pixFmt ?? evenSafe(defaultPixFmt(codec, video), codec, width, height, warnings);
  checkDimensions(codec, pixFmt, width, height);

  const { timing, warnings: timingWarnings } = videoTiming(video, source.file, {
    frameRate: input.frameRate,
    startTime: input.startTime,
    freeTimestamps: container.freeTimestamps,
    frames: input.frames,
    frameCount: video.frameCountSource === 'estimated' ? undefined : video.frameCount,
  });
  const inputPixelFormat = input.inputPixelFormat ?? 'rgb24';
  const interlaced = INTERLACED.has(video.fieldOrder);
  const colour = colorTagArgs(video, pixFmt);
  const videoOnly = input.videoOnly === true;
  const streams = videoOnly ? { args: [], warnings: [], experimental: false } : planStreams(source, container);
  warnings.push(...timingWarnings, ...colour.warnings, ...streams.warnings);

  const filters = [
    // Stamps frame n at start + n periods in a clock fine enough for the start (see timing.ts).
    `settb=${formatRational(timing.timeBase)}`,
    `setpts=PTS+${timing.startTicks}`,
    ...(needsYuvConversion(pixFmt) ? [yuvScaleFilter(video)] : []),
    `format=${pixFmt}`,
    `setsar=${formatRational(video.frameSar)}`,
  ];

  const movflags = ['+faststart'];
  // ffmpeg 4.x writes the colr atom only when asked; without known primaries it would only complain.
  if (colour.args.includes('-color_primaries')) movflags.push('+write_colr');

  return {
    args: [
      '-hide_banner', '-nostdin', '-nostats',
      // level+: tags lines with their severity, so warnings can be collected and errors told apart.
      '-loglevel', 'level+warning',
      '-f', 'rawvideo', '-pix_fmt', inputPixelFormat, '-s', `${width}x${height}`,
      // The rawvideo demuxer's own rate option: input -r would make ffmpeg restamp the frames itself.
      '-framerate', formatRational(timing.frameRate),
      '-i', 'pipe:0',
      ...(videoOnly ? ['-map', '0:v:0', '-map_metadata', '-1'] : sourceStreamArgs(source.file, timing, streams.args)),
      '-vf', filters.join(','),
      // One output frame per input frame: never duplicated or dropped to fit a rate.
      ...(input.fpsMode ? ['-fps_mode', 'passthrough'] : ['-vsync', '0']),
      // The encoder keeps the frames' clock; its default (one frame) would round the start to a whole frame.
      '-enc_time_base:v', formatRational(timing.timeBase),
      ...codecArgs({ codec, crf: input.crf, preset: input.encoderPreset, pixFmt, sourceBitDepth: video.bitDepth, interlaced, isoMedia: container.isoMedia, closedGop: videoOnly }),
      '-pix_fmt', pixFmt,
      ...colour.args,
      ...(interlaced ? ['-field_order', video.fieldOrder] : []),
      ...videoTagArgs(video.tags),
      // ffmpeg 4.x: FLAC/Opus in MP4 are standardised but still gated.
      ...(streams.experimental ? ['-strict', 'experimental'] : []),
      // Copied packets wait here until the encoder has produced its first one (model loading can take a while).
      '-max_muxing_queue_size', '4096',
      // The track clock counts both whole frames and the source's own ticks exactly.
      ...(container.isoMedia ? ['-movflags', movflags.join(''), '-video_track_timescale', String(timing.timescale)] : []),
      '-f', container.muxer,
      '-y', ffmpegInputUrl(path.resolve(output)),
    ],
    warnings,
    container: container.name,
    codec,
    pixFmt,
    width,
    height,
    frameBytes: width * height * (inputPixelFormat === 'rgb24' ? 3 : 6),
    timing,
  };
}

/** The source as input #1 with everything but its video mapped, on the source's timeline or cut to the excerpt. */
function sourceStreamArgs(file: string, timing: VideoTiming, streamArgs: string[]): string[] {
  return [
    ...excerptInputArgs(timing),
    '-i', ffmpegInputUrl(file),
    '-map', '0:v:0',
    ...streamArgs,
    '-map_metadata', '1', '-map_chapters', '1',
    // The source's timestamps as they are, so copied packets keep theirs and the video start is ours to set.
    // An excerpt instead starts at zero: -ss with -seek_timestamp shifts the source by exactly its start.
    ...(timing.excerpt ? [] : ['-copyts']),
    // Stream copy otherwise keeps the packets between the seek point and the excerpt's start, with negative
    // times; the muxer would then shift every stream, the video included, to make them non-negative.
    ...(timing.excerpt ? ['-copypriorss', '0'] : []),
  ];
}

/**
 * Cuts the source (input #1) to the excerpt. -seek_timestamp: -ss is a time on the source's timeline, not an
 * offset from its start, and the shift applied to its timestamps is exactly that time.
 */
export function excerptInputArgs(timing: VideoTiming): string[] {
  if (!timing.excerpt) return [];
  const { start, duration } = timing.excerpt;
  return ['-ss', start.toFixed(6), '-seek_timestamp', '1', ...(duration !== null ? ['-t', duration.toFixed(6)] : [])];
}

/** x264 and x265 refuse odd sizes with subsampled chroma. */
function needsEven(pixFmt: string): { width: boolean; height: boolean } {
  const chroma = chromaOf(pixFmt);
  return { width: chroma === '420' || chroma === '422' || chroma === '411' || chroma === '410', height: chroma === '420' || chroma === '410' || chroma === '440' };
}

function oddFor(codec: VideoCodec, pixFmt: string, width: number, height: number): boolean {
  if (codec !== 'libx264' && codec !== 'libx265') return false;
  const even = needsEven(pixFmt);
  return (even.width && width % 2 !== 0) || (even.height && height % 2 !== 0);
}

function evenSafe(pixFmt: string, codec: VideoCodec, width: number, height: number, warnings: string[]): string {
  if (!oddFor(codec, pixFmt, width, height)) return pixFmt;
  const full = pixFmt.replace(/^yuv4\d\dp/, 'yuv444p');
  warnings.push(`${width}x${height} has an odd side, which ${codec} cannot encode as ${pixFmt}; using ${full}`);
  return full;
}

function checkDimensions(codec: VideoCodec, pixFmt: string, width: number, height: number): void {
  if (oddFor(codec, pixFmt, width, height)) {
    throw new UsageError(`${codec} cannot encode ${width}x${height} frames as ${pixFmt} (subsampled chroma needs even sides). Use --pix-fmt ${pixFmt.replace(/^yuv4\d\dp/, 'yuv444p')} or --codec ffv1.`, 'E_USAGE_PIX_FMT');
  }
}
