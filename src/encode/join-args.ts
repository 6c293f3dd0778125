import path from 'node:path';
import { ffmpegInputUrl } from '../ffmpeg/index.ts';
import type { EncodeSource } from './encode-args.ts';
import { containerForPath, type ContainerName } from './containers.ts';
import { planStreams } from './stream-plan.ts';
import { videoTiming, type VideoTiming } from './timing.ts';
import type { VideoCodec } from './video-codecs.ts';
import { videoTagArgs } from './video-tags.ts';

export interface JoinPiece {
  file: string;
  /** frames [start, end) of the source that this piece holds, stamped from zero */
  start: number;
  end: number;
}

export interface JoinArgsInput {
  source: EncodeSource;
  /** the concat list (see concatList), written by the caller */
  list: string;
  output: string;
  codec: VideoCodec;
}

export interface JoinArgs {
  args: string[];
  warnings: string[];
  container: ContainerName;
  timing: VideoTiming;
}

/**
 * An ffconcat list. Each piece's duration is given as the difference of its rounded end and start
 * times, so the concat demuxer's running sum of durations lands every piece on its exact start
 * (rounding errors do not add up over hundreds of pieces).
 */
export function concatList(pieces: readonly JoinPiece[], frameRate: { num: number; den: number }): string {
  const micros = (frame: number) => Math.round((frame * 1e6 * frameRate.den) / frameRate.num);
  const quote = (f: string) => `'${f.replace(/'/g, "'\\''")}'`;
  const lines = ['ffconcat version 1.0'];
  for (const p of pieces) lines.push(`file ${quote(p.file)}`, `duration ${((micros(p.end) - micros(p.start)) / 1e6).toFixed(6)}`);
  return `${lines.join('\n')}\n`;
}

/**
 * ffmpeg arguments that join video-only pieces by stream copy (input #0, the concat list) and add the
 * source's audio, subtitles, chapters and metadata (input #1) once, on the source's own timeline,
 * exactly as a single-run encode (buildEncodeArgs) places them.
 */
export function buildJoinArgs(input: JoinArgsInput): JoinArgs {
  const { source } = input;
  const video = source.video;
  const container = containerForPath(input.output);
  const { timing, warnings } = videoTiming(video, source.file, {
    freeTimestamps: container.freeTimestamps,
    frameCount: video.frameCountSource === 'estimated' ? undefined : video.frameCount,
  });
  const streams = planStreams(source, container);
  const start = (timing.startTicks * timing.timeBase.num) / timing.timeBase.den;
  return {
    args: [
      '-hide_banner', '-nostdin', '-nostats',
      '-loglevel', 'level+warning',
      // The pieces are stamped from zero; this puts the first frame where the source's video starts.
      '-itsoffset', start.toFixed(6),
      // -safe 0: the list names files by absolute or relative path, which the demuxer refuses by default.
      '-f', 'concat', '-safe', '0', '-i', ffmpegInputUrl(path.resolve(input.list)),
      '-i', ffmpegInputUrl(source.file),
      '-map', '0:v:0',
      ...streams.args,
      '-map_metadata', '1', '-map_chapters', '1',
      // Copied packets keep the source's timestamps, as in a single-run encode.
      '-copyts',
      '-c:v', 'copy',
      ...(input.codec === 'libx265' && container.isoMedia ? ['-tag:v', 'hvc1'] : []),
      ...videoTagArgs(video.tags),
      ...(streams.experimental ? ['-strict', 'experimental'] : []),
      '-max_muxing_queue_size', '4096',
      ...(container.isoMedia ? ['-movflags', '+faststart', '-video_track_timescale', String(timing.timescale)] : []),
      '-f', container.muxer,
      '-y', ffmpegInputUrl(path.resolve(input.output)),
    ],
    warnings: [...warnings, ...streams.warnings],
    container: container.name,
    timing,
  };
}
