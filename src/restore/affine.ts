/** A 2-D affine map x' = a·x + b·y + c, y' = d·x + e·y + f, stored as [a, b, c, d, e, f]. */
export type Affine = readonly [number, number, number, number, number, number];
export type Point = readonly [number, number];

export function apply(m: Affine, x: number, y: number): [number, number] {
  return [m[0] * x + m[1] * y + m[2], m[3] * x + m[4] * y + m[5]];
}

/**
 * The bounding box [xMin, yMin, xMax, yMax] of the images under `m` of the square [lo, hi]²'s
 * corners (a typed array, so every caller sees one array shape whatever the values).
 */
export function squareBox(m: Affine, lo: number, hi: number): Float64Array {
  const box = new Float64Array([Infinity, Infinity, -Infinity, -Infinity]);
  for (let k = 0; k < 4; k++) {
    const u = k & 1 ? hi : lo, v = k & 2 ? hi : lo;
    const x = m[0] * u + m[1] * v + m[2], y = m[3] * u + m[4] * v + m[5];
    box[0] = Math.min(box[0]!, x);
    box[1] = Math.min(box[1]!, y);
    box[2] = Math.max(box[2]!, x);
    box[3] = Math.max(box[3]!, y);
  }
  return box;
}

export function invert(m: Affine): Affine {
  const det = m[0] * m[4] - m[1] * m[3];
  if (Math.abs(det) < 1e-12) throw new RangeError('affine map is singular');
  const a = m[4] / det;
  const b = -m[1] / det;
  const d = -m[3] / det;
  const e = m[0] / det;
  return [a, b, -(a * m[2] + b * m[5]), d, e, -(d * m[2] + e * m[5])];
}

/** first `inner`, then `outer`. */
export function compose(outer: Affine, inner: Affine): Affine {
  return [
    outer[0] * inner[0] + outer[1] * inner[3],
    outer[0] * inner[1] + outer[1] * inner[4],
    outer[0] * inner[2] + outer[1] * inner[5] + outer[2],
    outer[3] * inner[0] + outer[4] * inner[3],
    outer[3] * inner[1] + outer[4] * inner[4],
    outer[3] * inner[2] + outer[4] * inner[5] + outer[5],
  ];
}

/** Linear scale factor of a similarity (or the geometric mean of an affine's axis scales). */
export function scaleOf(m: Affine): number {
  return Math.sqrt(Math.abs(m[0] * m[4] - m[1] * m[3]));
}

/**
 * Least-squares similarity (rotation, uniform scale, translation; no reflection) taking `src`
 * onto `dst` — the 2-D closed form of Umeyama's estimate, as GPEN's alignment uses — optionally
 * with a weight per point.
 */
export function estimateSimilarity(src: readonly Point[], dst: readonly Point[], weights?: readonly number[]): Affine {
  const n = src.length;
  if (n !== dst.length || n < 2) throw new RangeError('need at least two matching points');
  const w = (i: number) => weights?.[i] ?? 1;
  let W = 0, sx = 0, sy = 0, dx = 0, dy = 0;
  for (let i = 0; i < n; i++) {
    W += w(i);
    sx += w(i) * src[i]![0]; sy += w(i) * src[i]![1]; dx += w(i) * dst[i]![0]; dy += w(i) * dst[i]![1];
  }
  sx /= W; sy /= W; dx /= W; dy /= W;
  let norm = 0, dot = 0, cross = 0;
  for (let i = 0; i < n; i++) {
    const px = src[i]![0] - sx, py = src[i]![1] - sy;
    const qx = dst[i]![0] - dx, qy = dst[i]![1] - dy;
    norm += w(i) * (px * px + py * py);
    dot += w(i) * (px * qx + py * qy);
    cross += w(i) * (px * qy - py * qx);
  }
  if (norm < 1e-12) throw new RangeError('source points coincide');
  const a = dot / norm;
  const b = cross / norm;
  return [a, -b, dx - (a * sx - b * sy), b, a, dy - (b * sx + a * sy)];
}
