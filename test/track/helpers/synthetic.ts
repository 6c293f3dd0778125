import sharp from 'sharp';
import type { Landmarks, Point, RgbImage } from '../../../src/track/types.ts';

/** Maps an output pixel to the source image: source = m · (x, y, 1). Row-major 2×3. */
export type Affine = [number, number, number, number, number, number];

export async function loadRgb(file: string): Promise<RgbImage> {
  const { data, info } = await sharp(file).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}

/** Output pixel (x, y) samples the source at m·(x, y) bilinearly; outside the source is grey. */
export function warpAffine(src: RgbImage, width: number, height: number, m: Affine): Buffer {
  const out = Buffer.alloc(width * height * 3, 96);
  const [a, b, c, d, e, f] = m;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const sx = a * x + b * y + c;
      const sy = d * x + e * y + f;
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      if (x0 < 0 || y0 < 0 || x0 + 1 >= src.width || y0 + 1 >= src.height) continue;
      const fx = sx - x0;
      const fy = sy - y0;
      const p = (y0 * src.width + x0) * 3;
      const q = p + src.width * 3;
      const o = (y * width + x) * 3;
      for (let ch = 0; ch < 3; ch++) {
        const top = src.data[p + ch]! * (1 - fx) + src.data[p + 3 + ch]! * fx;
        const bottom = src.data[q + ch]! * (1 - fx) + src.data[q + 3 + ch]! * fx;
        out[o + ch] = Math.round(top * (1 - fy) + bottom * fy);
      }
    }
  }
  return out;
}

/** Where a source point lands in the output of warpAffine(…, m). */
export function mapToOutput(m: Affine, p: Point): Point {
  const [a, b, c, d, e, f] = m;
  const det = a * e - b * d;
  const x = p[0] - c;
  const y = p[1] - f;
  return [(e * x - b * y) / det, (-d * x + a * y) / det];
}

export function mapLandmarks(m: Affine, l: Landmarks): Landmarks {
  return l.map((p) => mapToOutput(m, p)) as Landmarks;
}

/** An affine that shows the source scaled by `zoom`, rotated by `angle` radians about source point (cx, cy), which lands at output (ox, oy). */
export function viewAffine(cx: number, cy: number, zoom: number, angle: number, ox: number, oy: number): Affine {
  const cos = Math.cos(angle) / zoom;
  const sin = Math.sin(angle) / zoom;
  // source = R⁻¹/zoom · (out − o) + c
  return [cos, sin, cx - cos * ox - sin * oy, -sin, cos, cy + sin * ox - cos * oy];
}
