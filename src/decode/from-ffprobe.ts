import { InputError } from '../errors.ts';
import type { AudioStreamInfo, MediaInfo, OtherStreamInfo, Rotation, SubtitleStreamInfo, VideoStreamInfo } from './media-info.ts';
import { bitDepthOf, isJpegRange, pixelFamily } from './pix-fmt.ts';
import type { RawFormat, RawProbe, RawStream } from './probe-schema.ts';
import { invert, parseRational, toNumber, type Rational } from './rational.ts';

/** Turns validated ffprobe output into MediaInfo; throws InputError where the file has no usable video. */
export function toMediaInfo(raw: RawProbe, file: string, fileSize: number, warnings: string[] = []): MediaInfo {
  const streams = raw.streams;
  const isPicture = (s: RawStream): boolean => s.disposition?.attached_pic === 1;
  const videoRaw = streams.find((s) => s.codec_type === 'video' && !isPicture(s));
  if (!videoRaw) {
    const found = streams.length === 0 ? 'no streams at all' : streams.map((s) => `#${s.index} ${s.codec_type ?? 'unknown'}${isPicture(s) ? ' (cover art)' : ''}`).join(', ');
    throw new InputError('E_INPUT_NO_VIDEO', `${file} has no video stream (found: ${found}). gpen-video needs a video with at least one moving-picture stream.`);
  }
  const format = raw.format ?? {};
  return {
    file,
    format: toFormat(format, fileSize),
    video: toVideo(videoRaw, format, file),
    audio: streams.filter((s) => s.codec_type === 'audio').map(toAudio),
    subtitles: streams.filter((s) => s.codec_type === 'subtitle').map(toSubtitle),
    other: streams.filter((s) => !['video', 'audio', 'subtitle'].includes(s.codec_type ?? '')).map(toOther),
    chapters: raw.chapters.length,
    warnings,
  };
}

function toFormat(f: RawFormat, fileSize: number): MediaInfo['format'] {
  return {
    name: f.format_name ?? 'unknown',
    longName: f.format_long_name ?? '',
    duration: num(f.duration),
    sizeBytes: num(f.size) ?? fileSize,
    bitRate: num(f.bit_rate),
    startTime: num(f.start_time) ?? 0,
    tags: f.tags ?? {},
  };
}

function toVideo(s: RawStream, f: RawFormat, file: string): VideoStreamInfo {
  const width = num(s.width);
  const height = num(s.height);
  if (!width || !height || !s.pix_fmt) {
    throw new InputError(
      'E_INPUT_CORRUPT',
      `${file}: ffprobe found video stream #${s.index} but could not read its ${!width || !height ? 'picture size' : 'pixel format'}; the file is damaged or its codec (${s.codec_name ?? 'unknown'}) is not supported by this ffmpeg.`,
    );
  }
  const sar = positive(parseRational(s.sample_aspect_ratio)) ?? { num: 1, den: 1 };
  const dar = positive(parseRational(s.display_aspect_ratio)) ?? reduceRatio(width * sar.num, height * sar.den);
  const rotation = rotationOf(s);
  const quarter = rotation === 90 || rotation === 270;
  const sarWidth = Math.round((width * sar.num) / sar.den);
  const avg = positive(parseRational(s.avg_frame_rate));
  const r = positive(parseRational(s.r_frame_rate));
  const fps = avg ? toNumber(avg) : r ? toNumber(r) : 0;
  const duration = num(s.duration) ?? num(f.duration);
  const nbFrames = num(s.nb_frames);
  const pixFmt = s.pix_fmt;
  return {
    index: s.index,
    codec: s.codec_name ?? 'unknown',
    profile: s.profile ?? null,
    width,
    height,
    codedWidth: num(s.coded_width) || width,
    codedHeight: num(s.coded_height) || height,
    sar,
    dar,
    rotation,
    displayWidth: quarter ? height : sarWidth,
    displayHeight: quarter ? sarWidth : height,
    frameWidth: quarter ? height : width,
    frameHeight: quarter ? width : height,
    frameSar: quarter ? invert(sar) : sar,
    avgFrameRate: avg,
    rFrameRate: r,
    fps,
    timeBase: positive(parseRational(s.time_base)) ?? { num: 1, den: 1_000_000 },
    ...(nbFrames !== null && nbFrames > 0
      ? { frameCount: nbFrames, frameCountSource: 'container' as const }
      : { frameCount: duration !== null && fps > 0 ? Math.round(duration * fps) : 0, frameCountSource: 'estimated' as const }),
    startTime: num(s.start_time) ?? 0,
    duration,
    pixFmt,
    pixelFamily: pixelFamily(pixFmt),
    bitDepth: bitDepthOf(pixFmt),
    colorRange: isJpegRange(pixFmt) ? 'pc' : (s.color_range ?? 'unknown'),
    colorSpace: s.color_space ?? 'unknown',
    colorPrimaries: s.color_primaries ?? 'unknown',
    colorTransfer: s.color_transfer ?? 'unknown',
    fieldOrder: s.field_order ?? 'unknown',
    // 0.1% slack: muxers round avg_frame_rate from the duration (2997/100 against 30000/1001).
    vfrLikely: avg !== null && r !== null && Math.abs(toNumber(avg) - toNumber(r)) > 1e-3 * toNumber(r),
    tags: s.tags ?? {},
  };
}

/**
 * The display matrix (newer ffprobe) gives the counter-clockwise angle; the legacy `rotate` tag the clockwise one.
 * Both become clockwise quarter turns, the convention of ffmpeg's own autorotate.
 */
export function rotationOf(s: Pick<RawStream, 'side_data_list' | 'tags'>): Rotation {
  const matrix = s.side_data_list?.find((d) => d.side_data_type === 'Display Matrix');
  const ccw = num(matrix?.rotation);
  const cw = ccw !== null ? -ccw : num(s.tags?.rotate);
  if (cw === null) return 0;
  const quarter = (((Math.round(cw / 90) * 90) % 360) + 360) % 360;
  return quarter as Rotation;
}

function toAudio(s: RawStream): AudioStreamInfo {
  return {
    index: s.index,
    codec: s.codec_name ?? 'unknown',
    channels: num(s.channels) ?? 0,
    channelLayout: s.channel_layout ?? null,
    sampleRate: num(s.sample_rate) ?? 0,
    language: language(s),
    title: s.tags?.title ?? null,
    isDefault: s.disposition?.default === 1,
  };
}

function toSubtitle(s: RawStream): SubtitleStreamInfo {
  return { index: s.index, codec: s.codec_name ?? 'unknown', language: language(s), title: s.tags?.title ?? null, isDefault: s.disposition?.default === 1 };
}

function toOther(s: RawStream): OtherStreamInfo {
  return { index: s.index, type: s.codec_type ?? 'unknown', codec: s.codec_name ?? null, tags: s.tags ?? {} };
}

function language(s: RawStream): string | null {
  const lang = s.tags?.language;
  return lang === undefined || lang === '' || lang === 'und' ? null : lang;
}

/** ffprobe's numbers may be numbers, numeric strings or "N/A". */
function num(v: string | number | undefined): number | null {
  if (v === undefined) return null;
  const n = typeof v === 'number' ? v : Number(v.trim() === '' ? NaN : v);
  return Number.isFinite(n) ? n : null;
}

function positive(r: Rational | null): Rational | null {
  return r !== null && r.num > 0 && r.den > 0 ? r : null;
}

function reduceRatio(a: number, b: number): Rational {
  return parseRational(`${a}/${b}`) ?? { num: a, den: b };
}
