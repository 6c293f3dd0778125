import type { PixelFamily } from './pix-fmt.ts';
import type { Rational } from './rational.ts';

/** Clockwise degrees the stored picture must turn to be shown upright. */
export type Rotation = 0 | 90 | 180 | 270;

/** container: the header's nb_frames; counted: ffprobe decoded them all; estimated: duration × fps. */
export type FrameCountSource = 'container' | 'counted' | 'estimated';

export interface VideoStreamInfo {
  index: number;
  codec: string;
  profile: string | null;
  /** Stored picture size (after the codec's cropping), before SAR and rotation. */
  width: number;
  height: number;
  codedWidth: number;
  codedHeight: number;
  /** Sample (pixel) aspect ratio; 1:1 where the file leaves it unset. */
  sar: Rational;
  /** Display aspect ratio of the stored orientation. */
  dar: Rational;
  rotation: Rotation;
  /** What a player shows: width scaled by the SAR, then rotated. */
  displayWidth: number;
  displayHeight: number;
  /** What decodeFrames yields: rotated, never resampled for the SAR. */
  frameWidth: number;
  frameHeight: number;
  /** SAR of the decoded frames (a quarter turn swaps it). Pass on to the encoder as metadata. */
  frameSar: Rational;
  avgFrameRate: Rational | null;
  rFrameRate: Rational | null;
  /** avg_frame_rate where known, else r_frame_rate, else 0. */
  fps: number;
  timeBase: Rational;
  frameCount: number;
  frameCountSource: FrameCountSource;
  /** Seconds. */
  startTime: number;
  duration: number | null;
  pixFmt: string;
  pixelFamily: PixelFamily;
  bitDepth: number;
  /** ffprobe's names: tv, pc or unknown. */
  colorRange: string;
  /** The YCbCr matrix (ffprobe's color_space): bt709, smpte170m, bt470bg, bt2020nc, … or unknown. */
  colorSpace: string;
  colorPrimaries: string;
  colorTransfer: string;
  /** progressive, tt, bb, tb, bt or unknown. */
  fieldOrder: string;
  /** avg_frame_rate and r_frame_rate disagree: timestamps are probably irregular. */
  vfrLikely: boolean;
  tags: Record<string, string>;
}

export interface AudioStreamInfo {
  index: number;
  codec: string;
  channels: number;
  channelLayout: string | null;
  sampleRate: number;
  /** ISO 639 code; null where absent or "und". */
  language: string | null;
  title: string | null;
  isDefault: boolean;
}

export interface SubtitleStreamInfo {
  index: number;
  codec: string;
  language: string | null;
  title: string | null;
  isDefault: boolean;
}

export interface OtherStreamInfo {
  index: number;
  /** ffprobe's codec_type: data, attachment, or whatever else it reports. */
  type: string;
  codec: string | null;
  tags: Record<string, string>;
}

export interface MediaInfo {
  /** Absolute path. */
  file: string;
  format: {
    /** ffprobe's format_name, e.g. "mov,mp4,m4a,3gp,3g2,mj2". */
    name: string;
    longName: string;
    duration: number | null;
    sizeBytes: number;
    bitRate: number | null;
    startTime: number;
    tags: Record<string, string>;
  };
  video: VideoStreamInfo;
  audio: AudioStreamInfo[];
  subtitles: SubtitleStreamInfo[];
  /** Data and attachment streams and anything else that is neither video, audio nor subtitle. */
  other: OtherStreamInfo[];
  chapters: number;
  /** What ffprobe complained about while reading a file it could still read. */
  warnings: string[];
}
