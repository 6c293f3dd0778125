import type { RgbImage } from './types.ts';

/** A small luma image of a frame, normalised to zero mean and unit variance. */
export interface Thumb {
  width: number;
  height: number;
  z: Float32Array;
  /** standard deviation of the luma before normalising, 0–255 */
  contrast: number;
}

const THUMB_W = 64;
const SAMPLES = 4;

/**
 * Box-averages the frame's luma down to about 64 px wide from a 4×4 grid of samples per cell,
 * so a 4K frame costs the same as a small one. Normalising away mean and contrast makes the
 * comparison blind to flicker and fades.
 */
export function lumaThumb(frame: RgbImage): Thumb {
  const width = Math.min(THUMB_W, frame.width);
  const height = Math.max(1, Math.min(frame.height, Math.round((width * frame.height) / frame.width)));
  const z = new Float32Array(width * height);
  const cellW = frame.width / width;
  const cellH = frame.height / height;
  for (let ty = 0; ty < height; ty++) {
    for (let tx = 0; tx < width; tx++) {
      let sum = 0;
      for (let sy = 0; sy < SAMPLES; sy++) {
        const y = Math.min(frame.height - 1, Math.floor((ty + (sy + 0.5) / SAMPLES) * cellH));
        for (let sx = 0; sx < SAMPLES; sx++) {
          const x = Math.min(frame.width - 1, Math.floor((tx + (sx + 0.5) / SAMPLES) * cellW));
          const p = (y * frame.width + x) * 3;
          sum += 0.299 * frame.data[p]! + 0.587 * frame.data[p + 1]! + 0.114 * frame.data[p + 2]!;
        }
      }
      z[ty * width + tx] = sum / (SAMPLES * SAMPLES);
    }
  }
  let mean = 0;
  for (const v of z) mean += v;
  mean /= z.length;
  let variance = 0;
  for (const v of z) variance += (v - mean) ** 2;
  const contrast = Math.sqrt(variance / z.length);
  const inv = 1 / Math.max(contrast, 1e-6);
  for (let i = 0; i < z.length; i++) z[i] = (z[i]! - mean) * inv;
  return { width, height, z, contrast };
}

/** Largest global shift (thumb pixels, each way) searched for when comparing frames. */
const MAX_SHIFT = 3;

/**
 * How different two frames' content is, 0 (same) to about 1.1 (unrelated): the mean absolute
 * difference of the normalised thumbs at the best global shift of up to ±3 thumb pixels (about
 * ±5% of the width), so a fast pan compares the same content with itself.
 */
export function thumbDistance(a: Thumb, b: Thumb): number {
  if (a.width !== b.width || a.height !== b.height) return Infinity;
  const { width, height } = a;
  let best = Infinity;
  for (let dy = -MAX_SHIFT; dy <= MAX_SHIFT; dy++) {
    for (let dx = -MAX_SHIFT; dx <= MAX_SHIFT; dx++) {
      const x0 = Math.max(0, -dx);
      const x1 = Math.min(width, width - dx);
      const y0 = Math.max(0, -dy);
      const y1 = Math.min(height, height - dy);
      if (x1 - x0 < width / 2 || y1 - y0 < height / 2) continue;
      let sum = 0;
      for (let y = y0; y < y1; y++) {
        const ra = y * width;
        const rb = (y + dy) * width + dx;
        for (let x = x0; x < x1; x++) sum += Math.abs(a.z[ra + x]! - b.z[rb + x]!);
      }
      best = Math.min(best, sum / ((x1 - x0) * (y1 - y0)));
    }
  }
  return best;
}
