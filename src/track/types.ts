import type { Frame } from '../decode/index.ts';

/** A point in source-frame pixels; pixel (i, j) has its centre at (i, j). */
export type Point = [number, number];

/**
 * Five facial landmarks, in the image's left-to-right order as YuNet reports them:
 * [0] the eye on the image's left (the subject's right eye), [1] the eye on the image's right,
 * [2] nose tip, [3] mouth corner on the image's left, [4] mouth corner on the image's right.
 * This is the order GPEN's and FFHQ's alignment templates use.
 */
export type Landmarks = [Point, Point, Point, Point, Point];

/** Top-left x, top-left y, width, height, in source-frame pixels. */
export type Box = [number, number, number, number];

/** A decoded video frame; tracking takes rgb24 frames only (data = width × height × 3 bytes). */
export type { Frame };

/** What a detector needs from a frame: RGB24 interleaved pixels. */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** One face of one track in one frame. */
export interface TrackedFace {
  /** stable within a run: 1, 2, 3… in order of birth; a new scene gives new ids */
  trackId: number;
  /** smoothed box */
  box: Box;
  /** the detector's score; interpolated where the frame had no detection */
  score: number;
  /** the detector's landmarks in this frame, null where the face was interpolated */
  raw: Landmarks | null;
  /** smoothed (or interpolated) landmarks: use these */
  landmarks: Landmarks;
}

export interface TrackedFrame {
  /** the decoded frame; trackFrames hands out a private copy of its pixels unless told otherwise */
  frame: Frame;
  faces: TrackedFace[];
  /** this frame starts a new scene: no track continues across it */
  sceneCut: boolean;
}
