import type { Affine } from './affine.ts';

/** Where a pixel's past is read: the same crop pixel, the same frame point, or a shifted crop pixel. */
export const FROM_FACE = 0;
export const FROM_FRAME = 1;
export const FROM_SHIFT = 2;

/** The decisions of one blend, per pixel of the gate's grid (g×g crop pixels each). */
export interface BlendPlan {
  g: number;
  /** weight of the past, 0 … strength */
  weight: Float32Array;
  /** FROM_FACE, FROM_FRAME or FROM_SHIFT */
  source: Uint8Array;
  /** current crop pixel → previous crop pixel of the same frame point */
  back: Affine;
  /** FROM_SHIFT's shift per gate pixel (x, y interleaved, gate pixels) */
  shifts: Int8Array | null;
}
