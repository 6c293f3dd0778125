export { probeMedia, type ProbeOptions } from './probe.ts';
export { decodeFrames, type Frame, type DecodeOptions } from './frames.ts';
export { FramePool } from './frame-pool.ts';
export { colorMatrixFor, colorRangeFor, type DecodePixelFormat, type FrameRange } from './decode-args.ts';
export type { MediaInfo, VideoStreamInfo, AudioStreamInfo, SubtitleStreamInfo, OtherStreamInfo, Rotation, FrameCountSource } from './media-info.ts';
export type { Rational } from './rational.ts';
export type { PixelFamily } from './pix-fmt.ts';
