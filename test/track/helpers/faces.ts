import type { Detection } from '../../../src/track/detector.ts';
import type { Frame, Landmarks } from '../../../src/track/types.ts';

/** A synthetic detection of a face of size `s` whose box's top-left corner is at (x, y). */
export function face(x: number, y: number, s = 60, score = 0.9): Detection {
  const landmarks: Landmarks = [
    [x + 0.3 * s, y + 0.4 * s],
    [x + 0.7 * s, y + 0.4 * s],
    [x + 0.5 * s, y + 0.6 * s],
    [x + 0.35 * s, y + 0.8 * s],
    [x + 0.65 * s, y + 0.8 * s],
  ];
  return { box: [x, y, s, s * 1.2], score, landmarks };
}

/** A tiny frame whose pixels nobody looks at. */
export function blankFrame(index: number, width = 32, height = 24): Frame {
  return { index, pts: index / 25, width, height, data: Buffer.alloc(width * height * 3) };
}
