import type { AudioStreamInfo, MediaInfo, SubtitleStreamInfo } from '../decode/media-info.ts';
import { UsageError } from '../errors.ts';
import { TEXT_SUBTITLES, type ContainerSpec } from './containers.ts';

export type StreamSource = Pick<MediaInfo, 'file' | 'audio' | 'subtitles' | 'other' | 'chapters' | 'video'>;

export interface StreamPlan {
  /** -map and per-stream -c arguments for the source's audio, subtitles and attachments (input #1). */
  args: string[];
  warnings: string[];
  /** Some stream is only accepted with -strict experimental. */
  experimental: boolean;
}

function describe(kind: string, s: { index: number; codec: string; language: string | null; title: string | null }): string {
  const extra = [s.language, s.title === null ? null : `"${s.title}"`].filter((x) => x !== null).join(', ');
  return `${kind} stream #${s.index} (${s.codec}${extra ? `, ${extra}` : ''})`;
}

/**
 * Every audio and subtitle stream of the source, in order, copied where the container can hold it.
 * Otherwise: audio is re-encoded losslessly (FLAC/ALAC) with a warning, text subtitles are converted to the
 * container's text format with a warning; what cannot be converted is refused, never dropped silently.
 */
export function planStreams(source: StreamSource, container: ContainerSpec): StreamPlan {
  const args: string[] = [];
  const warnings: string[] = [];
  let experimental = false;
  const inMkv = container.name === 'mkv';
  // Advice for a refusal, and for a conversion the user may not want.
  const refusal = (index: number) => (inMkv ? ` Remove that stream from the source first (ffmpeg -map 0 -map -0:${index} -c copy).` : ' Write to .mkv, which holds it as it is.');
  const keepIt = inMkv ? '' : ' Write to .mkv to keep it as it is.';

  source.audio.forEach((a: AudioStreamInfo, i) => {
    args.push('-map', `1:${a.index}`);
    if (container.audioCopy(a.codec)) {
      args.push(`-c:a:${i}`, 'copy');
      experimental ||= container.audioExperimental.has(a.codec);
      return;
    }
    const to = container.audioFallback;
    if (!to) {
      throw new UsageError(`${describe('audio', a)} of ${source.file} cannot be stored in ${container.label}, and ${container.label} has no lossless audio format to convert it to.${refusal(a.index)}`, 'E_OUTPUT_AUDIO');
    }
    args.push(`-c:a:${i}`, to.codec);
    experimental ||= to.experimental === true;
    const lossy = a.codec.startsWith('pcm_f') ? ' (float samples become integers)' : '';
    warnings.push(`${describe('audio', a)} cannot be stored in ${container.label}: re-encoded as ${to.label}${lossy}${to.experimental ? ', which some players cannot play' : ''}.${keepIt}`);
  });

  source.subtitles.forEach((s: SubtitleStreamInfo, i) => {
    args.push('-map', `1:${s.index}`);
    if (container.subtitleCopy.has(s.codec)) {
      args.push(`-c:s:${i}`, 'copy');
      return;
    }
    const to = container.subtitleText;
    if (!TEXT_SUBTITLES.has(s.codec) || !to) {
      const why = TEXT_SUBTITLES.has(s.codec) ? `${container.label} holds no text subtitles` : `it is not a text format (a bitmap or caption stream), so it cannot be converted`;
      throw new UsageError(`${describe('subtitle', s)} of ${source.file} cannot be stored in ${container.label}: ${why}.${refusal(s.index)}`, 'E_OUTPUT_SUBTITLES');
    }
    args.push(`-c:s:${i}`, to.codec);
    warnings.push(`${describe('subtitle', s)} cannot be stored in ${container.label}: converted to ${to.label}.${keepIt}`);
  });

  for (const o of source.other) {
    if (o.type === 'attachment') {
      if (container.attachments) args.push('-map', `1:${o.index}`);
      else warnings.push(`attachment #${o.index} (${o.tags.filename ?? o.codec ?? 'unnamed'}) is not carried over: ${container.label} cannot hold attachments.${keepIt}`);
    } else if (!isRecreated(o, source)) {
      warnings.push(`${o.type} stream #${o.index} (${o.codec ?? 'unknown codec'}) is not carried over`);
    }
  }
  return { args, warnings, experimental };
}

/** Streams the muxer writes again from other data: the mp4 chapter track, the QuickTime timecode track. */
function isRecreated(o: MediaInfo['other'][number], source: StreamSource): boolean {
  if (o.type !== 'data') return false;
  if (o.codec === 'bin_data' && source.chapters > 0) return true;
  return (o.codec === 'tmcd' || o.tags.timecode !== undefined) && source.video.tags.timecode !== undefined;
}
