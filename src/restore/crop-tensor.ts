/**
 * Conversions between interleaved 8-bit RGB crops and the model's NCHW float tensor in [-1, 1]
 * (GPEN's convention: (x/255 − 0.5)/0.5 in, clip then (y·0.5 + 0.5)·255 out).
 */
export function cropsToTensor(crops: Uint8Array[], size: number, out?: Float32Array): Float32Array {
  const plane = size * size;
  const tensor = out ?? new Float32Array(crops.length * 3 * plane);
  for (let n = 0; n < crops.length; n++) {
    const src = crops[n]!;
    if (src.length !== plane * 3) throw new RangeError(`crop ${n} has ${src.length} bytes, expected ${plane * 3}`);
    const base = n * 3 * plane;
    for (let p = 0, s = 0; p < plane; p++, s += 3) {
      tensor[base + p] = src[s]! / 127.5 - 1;
      tensor[base + plane + p] = src[s + 1]! / 127.5 - 1;
      tensor[base + 2 * plane + p] = src[s + 2]! / 127.5 - 1;
    }
  }
  return tensor;
}

export function tensorToCrops(tensor: Float32Array, count: number, size: number): Uint8Array[] {
  const plane = size * size;
  const crops: Uint8Array[] = [];
  for (let n = 0; n < count; n++) {
    const dst = new Uint8Array(plane * 3);
    const base = n * 3 * plane;
    for (let p = 0, d = 0; p < plane; p++, d += 3) {
      dst[d] = toByte(tensor[base + p]!);
      dst[d + 1] = toByte(tensor[base + plane + p]!);
      dst[d + 2] = toByte(tensor[base + 2 * plane + p]!);
    }
    crops.push(dst);
  }
  return crops;
}

function toByte(v: number): number {
  // NaN compares false everywhere, so it lands on 0 rather than poisoning the frame.
  const x = (v > 1 ? 1 : v > -1 ? v : -1) * 127.5 + 127.5;
  return Math.round(x) || 0;
}
