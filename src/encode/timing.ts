import type { VideoStreamInfo } from '../decode/media-info.ts';
import { gcd, reduce, toNumber, type Rational } from '../decode/rational.ts';
import { InputError } from '../errors.ts';

export type TimingVideo = Pick<VideoStreamInfo, 'avgFrameRate' | 'rFrameRate' | 'timeBase' | 'startTime' | 'vfrLikely' | 'index'>;

export interface VideoTiming {
  /** Rate of the raw frames on stdin. */
  frameRate: Rational;
  /** Time base the frames are stamped and encoded in. */
  timeBase: Rational;
  /** Start of the first frame, in timeBase units. */
  startTicks: number;
  /** A clock in which both whole frames and the source's own ticks are integers: mp4/mov track timescale. */
  timescale: number;
  /**
   * Encoding an excerpt (a frame range): where it starts and how long it runs on the source's timeline, in
   * seconds. The excerpt's first frame is the output's time zero. Null for the whole video.
   */
  excerpt: { start: number; duration: number | null } | null;
}

/** Frames [start, end) by source index, end exclusive (see decodeFrames). */
export interface ExcerptFrames {
  start: number;
  end: number;
}

/** Start offsets closer than this to a whole frame are taken as whole frames (the target precision is 1 ms). */
const WHOLE_FRAME_SLACK_S = 0.0005;
/** QuickTime warns about timescales above this; beyond it we settle for the frame-rate clock. */
const MAX_TIMESCALE = 1_000_000;

/**
 * r_frame_rate is exact for constant-rate video (24000/1001, where avg may read 2997/125); where the two disagree
 * (field-rate r on interlaced H.264, variable rate) the average is what the frames really run at.
 */
export function chooseFrameRate(video: TimingVideo, file: string): Rational {
  const { rFrameRate: r, avgFrameRate: avg } = video;
  if (r && (!avg || Math.abs(toNumber(r) - toNumber(avg)) <= 1e-3 * toNumber(r))) return reduce(r);
  if (avg) return reduce(avg);
  throw new InputError('E_INPUT_NO_FRAME_RATE', `${file}: video stream #${video.index} has no frame rate, so the restored frames cannot be timed. Remux the source with an explicit rate (ffmpeg -r) first.`);
}

/**
 * Timestamps for frame n: start + n / frameRate, on the source's timeline (ffmpeg runs with -copyts).
 * Where the start is a whole number of frames, the frame period is the time base: encoders and muxers then
 * know each frame's duration. Otherwise a finer clock keeps the start exact; mp4/mov then cannot tell the
 * last frame's duration (its sample gets duration 0), which costs nothing in sync.
 */
export function videoTiming(
  video: TimingVideo,
  file: string,
  options: { frameRate?: Rational; startTime?: number; freeTimestamps: boolean; frames?: ExcerptFrames; frameCount?: number },
): { timing: VideoTiming; warnings: string[] } {
  const warnings: string[] = [];
  const frameRate = options.frameRate ? reduce(options.frameRate) : chooseFrameRate(video, file);
  if (!(frameRate.num > 0 && frameRate.den > 0)) throw new RangeError(`frame rate must be positive, got ${frameRate.num}/${frameRate.den}`);
  if (video.vfrLikely && !options.frameRate) {
    warnings.push(`video stream #${video.index} looks variable-rate; the output runs at a constant ${frameRate.num}/${frameRate.den} fps, so sync with the audio may drift`);
  }
  const start = options.startTime ?? video.startTime;
  const frameTick: Rational = { num: frameRate.den, den: frameRate.num };
  const src = reduce(video.timeBase);
  let timescale = (frameRate.num / gcd(frameRate.num, src.den)) * src.den;
  if (timescale > MAX_TIMESCALE) timescale = frameRate.num;
  if (options.frames) {
    const { start: first, end } = options.frames;
    // Running to the last frame (or past it) needs no cut: the audio runs on to its own end, as in a full encode.
    const toEnd = end >= (options.frameCount ?? Number.MAX_SAFE_INTEGER);
    const duration = toEnd ? null : (end - first) * toNumber(frameTick);
    const excerpt = { start: start + first * toNumber(frameTick), duration };
    return { timing: { frameRate, timeBase: frameTick, startTicks: 0, timescale, excerpt }, warnings };
  }

  const frames = Math.round(start / toNumber(frameTick));
  const offFrames = Math.abs(frames * toNumber(frameTick) - start);
  if (offFrames <= WHOLE_FRAME_SLACK_S || !options.freeTimestamps) {
    if (offFrames > WHOLE_FRAME_SLACK_S) {
      warnings.push(`the container stores no timestamps, so the video start (${start.toFixed(6)} s) is rounded to a whole frame (${(frames * toNumber(frameTick)).toFixed(6)} s)`);
    }
    return { timing: { frameRate, timeBase: frameTick, startTicks: frames, timescale, excerpt: null }, warnings };
  }
  return { timing: { frameRate, timeBase: { num: 1, den: timescale }, startTicks: Math.round(start * timescale), timescale, excerpt: null }, warnings };
}

export function formatRational(r: Rational): string {
  return `${r.num}/${r.den}`;
}
