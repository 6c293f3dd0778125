/**
 * RGB24 interleaved → float32 planar BGR [3, padH, padW], values 0–255 (YuNet's input), the
 * image in the top-left corner and zeros in the padding. `out`, when given, must hold zeros in
 * the padding (a canvas of this size used before for an image of this size does).
 */
export function toPlanarBgr(rgb: Uint8Array, width: number, height: number, padW: number, padH: number, out?: Float32Array): Float32Array {
  if (padW < width || padH < height) throw new RangeError(`padding ${padW}×${padH} is smaller than ${width}×${height}`);
  if (rgb.length !== width * height * 3) throw new RangeError(`image data has ${rgb.length} bytes, expected ${width}×${height}×3`);
  const plane = padW * padH;
  if (out && out.length !== plane * 3) throw new RangeError(`canvas holds ${out.length} values, expected ${plane * 3}`);
  const canvas = out ?? new Float32Array(plane * 3);
  for (let y = 0; y < height; y++) {
    let p = y * width * 3;
    const row = y * padW;
    for (let x = 0; x < width; x++, p += 3) {
      canvas[row + x] = rgb[p + 2]!;
      canvas[plane + row + x] = rgb[p + 1]!;
      canvas[2 * plane + row + x] = rgb[p]!;
    }
  }
  return canvas;
}
