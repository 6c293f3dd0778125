import { apply, invert, scaleOf, type Affine } from './affine.ts';
import { halve, type RgbImage } from './image.ts';
import { sampleCubic } from './cubic.ts';

interface Level {
  crop: RgbImage;
  mask: Float32Array;
  toLevel: Affine;
}

function halveMask(m: Float32Array, size: number): Float32Array {
  const h = Math.max(1, size >> 1);
  const out = new Float32Array(h * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < h; x++) {
      const i = 2 * y * size + 2 * x;
      out[y * h + x] = (m[i]! + m[i + 1]! + m[i + size]! + m[i + size + 1]!) / 4;
    }
  }
  return out;
}

/**
 * Where a restored crop is much larger than the face in the frame, sampling it directly would
 * alias; step down a mip level while more than 3 crop pixels fall on one frame pixel.
 */
function pickLevel(crop: RgbImage, mask: Float32Array, toCrop: Affine): Level {
  let level: Level = { crop, mask, toLevel: toCrop };
  let scale = scaleOf(toCrop);
  while (scale >= 3 && level.crop.width > 8) {
    const size = level.crop.width;
    const t = level.toLevel;
    // a level-k pixel centre u maps to (u − 0.5) / 2 at level k+1
    level = {
      crop: halve(level.crop),
      mask: halveMask(level.mask, size),
      toLevel: [t[0] / 2, t[1] / 2, (t[2] - 0.5) / 2, t[3] / 2, t[4] / 2, (t[5] - 0.5) / 2],
    };
    scale /= 2;
  }
  return level;
}

/**
 * Blends a restored S×S crop into `frame` in place: frame pixels map into crop space through
 * `toCrop`, the crop is sampled with cubic interpolation and its soft mask bilinearly, and
 * out = frame + mask·(crop − frame).
 * Pixels where the mask is 0 are not written, so everything outside the face stays bit-identical.
 */
export function pasteCrop(frame: RgbImage, crop: RgbImage, mask: Float32Array, toCrop: Affine): void {
  const { crop: c, mask: m, toLevel } = pickLevel(crop, mask, toCrop);
  const S = c.width;
  const inv = invert(toLevel);
  const corners = [apply(inv, 0, 0), apply(inv, S - 1, 0), apply(inv, 0, S - 1), apply(inv, S - 1, S - 1)];
  const x0 = Math.max(0, Math.floor(Math.min(...corners.map((p) => p[0]))));
  const x1 = Math.min(frame.width - 1, Math.ceil(Math.max(...corners.map((p) => p[0]))));
  const y0 = Math.max(0, Math.floor(Math.min(...corners.map((p) => p[1]))));
  const y1 = Math.min(frame.height - 1, Math.ceil(Math.max(...corners.map((p) => p[1]))));
  const f = frame.data, cd = c.data, W = frame.width;
  const [a, b, tx, d, e, ty] = toLevel;
  const acc = new Float64Array(3);
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const u = a * x + b * y + tx;
      const v = d * x + e * y + ty;
      if (!(u >= 0 && v >= 0 && u <= S - 1 && v <= S - 1)) continue;
      const ux = Math.floor(u), vy = Math.floor(v);
      const ux1 = ux + 1 < S ? ux + 1 : ux, vy1 = vy + 1 < S ? vy + 1 : vy;
      const fx = u - ux, fy = v - vy;
      const w00 = (1 - fx) * (1 - fy), w10 = fx * (1 - fy), w01 = (1 - fx) * fy, w11 = fx * fy;
      const alpha = m[vy * S + ux]! * w00 + m[vy * S + ux1]! * w10 + m[vy1 * S + ux]! * w01 + m[vy1 * S + ux1]! * w11;
      if (alpha <= 0) continue;
      sampleCubic(cd, S, S, u, v, acc);
      const o = (y * W + x) * 3;
      for (let ch = 0; ch < 3; ch++) {
        const src = acc[ch]! < 0 ? 0 : acc[ch]! > 255 ? 255 : acc[ch]!;
        const base = f[o + ch]!;
        f[o + ch] = Math.round(base + alpha * (src - base));
      }
    }
  }
}
