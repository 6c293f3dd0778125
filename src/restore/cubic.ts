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
 * Adds w × the cubic-interpolated RGB value of `data` (W×H, interleaved) at (x, y) into acc[0..2].
 * Coordinates clamp to the edge; pixel centres sit on integers.
 */
export function addCubic(data: Uint8Array, W: number, H: number, x: number, y: number, w: number, acc: Float64Array): void {
  const xc = x < 0 ? 0 : x > W - 1 ? W - 1 : x;
  const yc = y < 0 ? 0 : y > H - 1 ? H - 1 : y;
  const x0 = Math.floor(xc), y0 = Math.floor(yc);
  cubicWeights(xc - x0, wx);
  cubicWeights(yc - y0, wy);
  for (let k = 0; k < 4; k++) {
    const xi = x0 + k - 1, yi = y0 + k - 1;
    xs[k] = (xi < 0 ? 0 : xi > W - 1 ? W - 1 : xi) * 3;
    ys[k] = (yi < 0 ? 0 : yi > H - 1 ? H - 1 : yi) * W * 3;
  }
  let r = 0, g = 0, b = 0;
  for (let j = 0; j < 4; j++) {
    const row = ys[j]!;
    let rr = 0, gg = 0, bb = 0;
    for (let i = 0; i < 4; i++) {
      const o = row + xs[i]!;
      const q = wx[i]!;
      rr += data[o]! * q;
      gg += data[o + 1]! * q;
      bb += data[o + 2]! * q;
    }
    const q = wy[j]! * w;
    r += rr * q;
    g += gg * q;
    b += bb * q;
  }
  acc[0]! += r;
  acc[1]! += g;
  acc[2]! += b;
}

export function clampByte(v: number): number {
  return v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
}
