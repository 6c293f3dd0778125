export interface MaskOptions {
  /** margin left untouched at the crop's edge, as a fraction of S */
  inset?: number;
  /** width of the soft edge, as a fraction of S */
  feather?: number;
  /** corner radius of the rounded box, as a fraction of S */
  radius?: number;
}

const cache = new Map<string, Float32Array>();

/**
 * The paste mask in aligned-crop space: 1 over the face, easing to 0 before the crop's edge along
 * a rounded box, with a smoothstep so there is no visible seam. It lives in crop space, so it
 * moves with the (smoothed) landmarks and stays the same shape from frame to frame.
 */
export function faceMask(size: number, options: MaskOptions = {}): Float32Array {
  const inset = (options.inset ?? 0.04) * size;
  const feather = Math.max(1, (options.feather ?? 0.12) * size);
  const radius = (options.radius ?? 0.18) * size;
  const key = `${size}:${inset}:${feather}:${radius}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const m = new Float32Array(size * size);
  // inner box where the mask reaches 1; the soft edge lies between it and the inset border
  const lo = inset + feather + radius;
  const hi = size - 1 - inset - feather - radius;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const dx = Math.max(lo - x, 0, x - hi);
      const dy = Math.max(lo - y, 0, y - hi);
      const outside = Math.hypot(dx, dy) - radius; // > 0 past the rounded inner box
      const t = 1 - outside / feather;
      m[y * size + x] = t >= 1 ? 1 : t <= 0 ? 0 : t * t * (3 - 2 * t);
    }
  }
  cache.set(key, m);
  return m;
}
