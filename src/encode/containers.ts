import path from 'node:path';
import { UsageError } from '../errors.ts';
import type { VideoCodec } from './video-codecs.ts';

export type ContainerName = 'mp4' | 'mov' | 'mkv' | 'webm' | 'avi' | 'nut' | 'mpegts';

/** How a stream the container cannot hold is converted; null: it is refused. */
export interface Fallback {
  codec: string;
  label: string;
  /** ffmpeg 4.x only writes this codec into this container with -strict experimental. */
  experimental?: boolean;
}

export interface ContainerSpec {
  name: ContainerName;
  /** ffmpeg's muxer (-f). */
  muxer: string;
  label: string;
  videoCodecs: readonly VideoCodec[];
  /** Audio codecs (ffprobe names) copied as they are. */
  audioCopy: (codec: string) => boolean;
  /** Copyable only with -strict experimental in ffmpeg 4.x. */
  audioExperimental: ReadonlySet<string>;
  /** Lossless target for audio the container cannot hold. */
  audioFallback: Fallback | null;
  subtitleCopy: ReadonlySet<string>;
  /** Text format other text subtitles are converted to. */
  subtitleText: Fallback | null;
  attachments: boolean;
  /** mp4/mov: -movflags, -video_track_timescale. */
  isoMedia: boolean;
  /** Timestamps need not be whole frames (AVI stores none: frames sit on a fixed grid). */
  freeTimestamps: boolean;
}

const set = (...names: string[]): ReadonlySet<string> => new Set(names);
const among = (names: ReadonlySet<string>) => (codec: string) => names.has(codec);

const ISO_AUDIO = ['aac', 'mp3', 'mp2', 'mp1', 'ac3', 'eac3', 'dts'];
const PCM = [
  'pcm_s16le', 'pcm_s16be', 'pcm_s24le', 'pcm_s24be', 'pcm_s32le', 'pcm_s32be', 'pcm_f32le', 'pcm_f32be',
  'pcm_f64le', 'pcm_f64be', 'pcm_u8', 'pcm_s8', 'pcm_mulaw', 'pcm_alaw',
];
const FLAC: Fallback = { codec: 'flac', label: 'FLAC' };
const ISO_TEXT: Fallback = { codec: 'mov_text', label: 'mov_text (3GPP timed text; styling is dropped)' };

/** Text subtitle codecs ffmpeg can decode, hence convert; the rest (bitmaps, teletext, captions) cannot be. */
export const TEXT_SUBTITLES: ReadonlySet<string> = set(
  'subrip', 'srt', 'ass', 'ssa', 'webvtt', 'mov_text', 'text', 'microdvd', 'subviewer', 'subviewer1',
  'jacosub', 'sami', 'realtext', 'mpl2', 'pjs', 'vplayer', 'stl',
);

const mp4: ContainerSpec = {
  name: 'mp4',
  muxer: 'mp4',
  label: 'MP4',
  videoCodecs: ['libx264', 'libx265'],
  audioCopy: among(set(...ISO_AUDIO, 'opus', 'flac')),
  audioExperimental: set('opus', 'flac'),
  // This build's mp4 muxer has no ALAC; FLAC-in-MP4 is standardised but still marked experimental in ffmpeg 4.x.
  audioFallback: { ...FLAC, experimental: true },
  subtitleCopy: set('mov_text'),
  subtitleText: ISO_TEXT,
  attachments: false,
  isoMedia: true,
  freeTimestamps: true,
};

const CONTAINERS: Record<ContainerName, ContainerSpec> = {
  mp4,
  mov: {
    ...mp4,
    name: 'mov',
    muxer: 'mov',
    label: 'QuickTime (.mov)',
    videoCodecs: ['libx264', 'libx265', 'ffv1', 'prores'],
    audioCopy: among(set(...ISO_AUDIO, ...PCM, 'alac', 'adpcm_ima_qt')),
    audioExperimental: set(),
    audioFallback: { codec: 'alac', label: 'ALAC (Apple Lossless)' },
  },
  mkv: {
    name: 'mkv',
    muxer: 'matroska',
    label: 'Matroska (.mkv)',
    videoCodecs: ['libx264', 'libx265', 'ffv1', 'prores'],
    audioCopy: () => true,
    audioExperimental: set(),
    audioFallback: FLAC,
    subtitleCopy: set('subrip', 'srt', 'ass', 'ssa', 'webvtt', 'text', 'hdmv_pgs_subtitle', 'dvd_subtitle', 'dvb_subtitle'),
    subtitleText: { codec: 'srt', label: 'SubRip (styling is dropped)' },
    attachments: true,
    isoMedia: false,
    freeTimestamps: true,
  },
  webm: {
    name: 'webm',
    muxer: 'webm',
    label: 'WebM',
    // WebM holds VP8/VP9/AV1 only; none of our encoders.
    videoCodecs: [],
    audioCopy: among(set('opus', 'vorbis')),
    audioExperimental: set(),
    audioFallback: null,
    subtitleCopy: set('webvtt'),
    subtitleText: { codec: 'webvtt', label: 'WebVTT' },
    attachments: false,
    isoMedia: false,
    freeTimestamps: true,
  },
  avi: {
    name: 'avi',
    muxer: 'avi',
    label: 'AVI',
    videoCodecs: ['libx264', 'ffv1'],
    audioCopy: among(set(...ISO_AUDIO, 'flac', 'vorbis', 'pcm_s16le', 'pcm_s24le', 'pcm_s32le', 'pcm_f32le', 'pcm_u8', 'pcm_mulaw', 'pcm_alaw', 'adpcm_ima_wav', 'adpcm_ms')),
    audioExperimental: set(),
    audioFallback: FLAC,
    subtitleCopy: set('xsub'),
    subtitleText: null,
    attachments: false,
    isoMedia: false,
    freeTimestamps: false,
  },
  nut: {
    name: 'nut',
    muxer: 'nut',
    label: 'NUT',
    videoCodecs: ['libx264', 'libx265', 'ffv1', 'prores'],
    audioCopy: (codec) => codec !== 'alac' && codec !== 'truehd',
    audioExperimental: set(),
    audioFallback: FLAC,
    subtitleCopy: set('text', 'mov_text', 'dvd_subtitle', 'dvb_subtitle'),
    subtitleText: { codec: 'text', label: 'plain text (styling is dropped)' },
    attachments: false,
    isoMedia: false,
    freeTimestamps: true,
  },
  mpegts: {
    name: 'mpegts',
    muxer: 'mpegts',
    label: 'MPEG-TS',
    videoCodecs: ['libx264', 'libx265'],
    audioCopy: among(set(...ISO_AUDIO, 'opus', 'truehd', 'aac_latm')),
    audioExperimental: set(),
    // MPEG-TS has no lossless audio format that players read.
    audioFallback: null,
    subtitleCopy: set('dvb_subtitle', 'dvb_teletext'),
    subtitleText: null,
    attachments: false,
    isoMedia: false,
    freeTimestamps: true,
  },
};

const EXTENSIONS: Record<string, ContainerName> = {
  '.mp4': 'mp4', '.m4v': 'mp4', '.mov': 'mov', '.mkv': 'mkv', '.webm': 'webm', '.avi': 'avi', '.nut': 'nut', '.ts': 'mpegts',
};

export function supportedExtensions(): string[] {
  return Object.keys(EXTENSIONS);
}

/** The container named by the output's extension. */
export function containerForPath(file: string): ContainerSpec {
  const ext = path.extname(file).toLowerCase();
  const name = EXTENSIONS[ext];
  if (!name) {
    const what = ext === '' ? 'has no extension' : `ends in "${ext}"`;
    throw new UsageError(`Cannot tell the output format: ${file} ${what}. Name the output with one of ${supportedExtensions().join(', ')}.`, 'E_OUTPUT_FORMAT');
  }
  return CONTAINERS[name];
}

/** Extensions whose container can hold this codec: for the refusal message. */
export function extensionsFor(codec: VideoCodec): string[] {
  return Object.entries(EXTENSIONS)
    .filter(([, name]) => CONTAINERS[name].videoCodecs.includes(codec))
    .map(([ext]) => ext);
}
