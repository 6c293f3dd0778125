import { createHash } from 'node:crypto';
import type { Frame } from '../decode/index.ts';

/** Where a chunk starts decoding: the frame's time and content, to seek there and check the seek landed. */
export interface SeekPoint {
  pts: number;
  fingerprint: string;
}

/** A short hash of a decoded frame's pixels. */
export function frameFingerprint(frame: Pick<Frame, 'data'>): string {
  return createHash('sha1').update(frame.data).digest('hex').slice(0, 16);
}

/** The frame is the one planned: the same pixels, at the same time (within half a frame). */
export function isSeekPoint(frame: Frame, point: SeekPoint, fps: number): boolean {
  return Math.abs(frame.pts - point.pts) < 0.5 / (fps || 25) && frameFingerprint(frame) === point.fingerprint;
}
