import type { Box } from './types.ts';

export function iou(a: Box, b: Box): number {
  const x1 = Math.max(a[0], b[0]);
  const y1 = Math.max(a[1], b[1]);
  const x2 = Math.min(a[0] + a[2], b[0] + b[2]);
  const y2 = Math.min(a[1] + a[3], b[1] + b[3]);
  const inter = Math.max(0, x2 - x1) * Math.max(0, y2 - y1);
  const union = a[2] * a[3] + b[2] * b[3] - inter;
  return union > 0 ? inter / union : 0;
}

/** Geometric mean of a box's sides: a face's size that does not depend on its aspect. */
export function boxSize(b: Box): number {
  return Math.sqrt(Math.max(0, b[2]) * Math.max(0, b[3]));
}
