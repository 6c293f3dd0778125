export type { Box, Frame, Landmarks, Point, RgbImage, TrackedFace, TrackedFrame } from './types.ts';
export type { Detection, Detector } from './detector.ts';
export { YunetDetector, createYunetDetector, type YunetDetectorOptions } from './yunet-detector.ts';
export { trackFrames } from './track-frames.ts';
export { resolveTrackOptions, type ResolvedTrackOptions, type TrackOptions } from './track-options.ts';
export {
  TracksWriter,
  TrackLookup,
  readTracksFile,
  parseTracksFile,
  tracksFileSchema,
  type TracksFileData,
  type VideoShape,
  type ProbedVideo,
} from './tracks-file.ts';
