import type { Box, Landmarks, RgbImage } from './types.ts';

export interface Detection {
  box: Box;
  /** detector confidence, 0..1 */
  score: number;
  /** see Landmarks for the order */
  landmarks: Landmarks;
}

/**
 * Finds faces in one frame. Implementations keep their inference off the main thread; several
 * calls may be in flight at once and resolve in any order. Coordinates are in the frame's pixels.
 */
export interface Detector {
  detect(frame: RgbImage, signal?: AbortSignal): Promise<Detection[]>;
  close(): Promise<void>;
}
