/**
 * Keys cubic convolution (a = −0.5, "Catmull–Rom"): interpolates exactly through the samples and
 * keeps far more detail than bilinear through a warp into the crop and back, so an unchanged face
 * survives the round trip almost bit-for-bit.
 */
export function cubicWeights(t: number, out: Float64Array): void {
  const t2 = t * t, t3 = t2 * t;
  out[0] = -0.5 * t3 + t2 - 0.5 * t;
  out[1] = 1.5 * t3 - 2.5 * t2 + 1;
  out[2] = -1.5 * t3 + 2 * t2 + 0.5 * t;
  out[3] = 0.5 * t3 - 0.5 * t2;
}

const wx = new Float64Array(4);
const wy = new Float64Array(4);
const xs = new Int32Array(4);
const ys = new Int32Array(4);

/**
 * Cubic-interpolated RGB of `data` (W×H, interleaved) at (x, y) into out[0..2] (unclamped).
 * Coordinates clamp to the edge; pixel centres sit on integers. The interior takes a branch-free
 * path; only the outer two pixels clamp indices. This is the hot loop of warps and pastes.
 */
export function sampleCubic(data: Uint8Array, W: number, H: number, x: number, y: number, out: Float64Array): void {
  const xc = x < 0 ? 0 : x > W - 1 ? W - 1 : x;
  const yc = y < 0 ? 0 : y > H - 1 ? H - 1 : y;
  const x0 = xc | 0, y0 = yc | 0;
  const tx = xc - x0, ty = yc - y0;
  const tx2 = tx * tx, tx3 = tx2 * tx, ty2 = ty * ty, ty3 = ty2 * ty;
  const a0 = -0.5 * tx3 + tx2 - 0.5 * tx, a1 = 1.5 * tx3 - 2.5 * tx2 + 1, a2 = -1.5 * tx3 + 2 * tx2 + 0.5 * tx, a3 = 0.5 * tx3 - 0.5 * tx2;
  const b0 = -0.5 * ty3 + ty2 - 0.5 * ty, b1 = 1.5 * ty3 - 2.5 * ty2 + 1, b2 = -1.5 * ty3 + 2 * ty2 + 0.5 * ty, b3 = 0.5 * ty3 - 0.5 * ty2;
  const stride = W * 3;
  if (x0 >= 1 && y0 >= 1 && x0 + 2 < W && y0 + 2 < H) {
    const o0 = (y0 - 1) * stride + (x0 - 1) * 3, o1 = o0 + stride, o2 = o1 + stride, o3 = o2 + stride;
    for (let c = 0; c < 3; c++) {
      const p0 = o0 + c, p1 = o1 + c, p2 = o2 + c, p3 = o3 + c;
      out[c] =
        b0 * (a0 * data[p0]! + a1 * data[p0 + 3]! + a2 * data[p0 + 6]! + a3 * data[p0 + 9]!) +
        b1 * (a0 * data[p1]! + a1 * data[p1 + 3]! + a2 * data[p1 + 6]! + a3 * data[p1 + 9]!) +
        b2 * (a0 * data[p2]! + a1 * data[p2 + 3]! + a2 * data[p2 + 6]! + a3 * data[p2 + 9]!) +
        b3 * (a0 * data[p3]! + a1 * data[p3 + 3]! + a2 * data[p3 + 6]! + a3 * data[p3 + 9]!);
    }
    return;
  }
  wx[0] = a0; wx[1] = a1; wx[2] = a2; wx[3] = a3;
  wy[0] = b0; wy[1] = b1; wy[2] = b2; wy[3] = b3;
  for (let k = 0; k < 4; k++) {
    const xi = x0 + k - 1, yi = y0 + k - 1;
    xs[k] = (xi < 0 ? 0 : xi > W - 1 ? W - 1 : xi) * 3;
    ys[k] = (yi < 0 ? 0 : yi > H - 1 ? H - 1 : yi) * stride;
  }
  let r = 0, g = 0, b = 0;
  for (let j = 0; j < 4; j++) {
    const row = ys[j]!;
    const q = wy[j]!;
    for (let i = 0; i < 4; i++) {
      const o = row + xs[i]!;
      const p = wx[i]! * q;
      r += data[o]! * p;
      g += data[o + 1]! * p;
      b += data[o + 2]! * p;
    }
  }
  out[0] = r;
  out[1] = g;
  out[2] = b;
}

export function clampByte(v: number): number {
  return v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
}
