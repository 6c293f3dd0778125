import { describe, expect, it } from 'vitest';
import { apply, invert, scaleOf, type Affine } from '../../src/restore/affine.ts';
import { clampByte, sampleCubic } from '../../src/restore/cubic.ts';
import { copyRect, halve, putRect, type RgbImage } from '../../src/restore/image.ts';
import { faceMask } from '../../src/restore/mask.ts';
import { pasteCrop, pasteRect } from '../../src/restore/paste.ts';
import { addBilinear, warpSourceRect, warpToCrop } from '../../src/restore/warp.ts';

/*
 * warpToCrop and pasteCrop inline their per-pixel sampling and skip pixels that cannot change;
 * these are the plain per-pixel definitions (one call of sampleCubic / addBilinear per sample, every
 * pixel of the bounding box visited) that the fast versions must match bit for bit.
 */

function referenceWarp(src: RgbImage, toCrop: Affine, size: number): Uint8Array {
  const out = new Uint8Array(size * size * 3);
  const inv = invert(toCrop);
  const n = Math.max(1, Math.min(4, Math.ceil(1 / scaleOf(toCrop) - 0.25)));
  const acc = new Float64Array(3);
  for (let v = 0; v < size; v++) {
    let x = inv[1] * v + inv[2];
    let y = inv[4] * v + inv[5];
    for (let u = 0; u < size; u++, x += inv[0], y += inv[3]) {
      if (n === 1) sampleCubic(src.data, src.width, src.height, x, y, acc);
      else {
        acc.fill(0);
        for (let j = 0; j < n; j++) {
          const vv = v + (j + 0.5) / n - 0.5;
          for (let i = 0; i < n; i++) {
            const uu = u + (i + 0.5) / n - 0.5;
            addBilinear(src, inv[0] * uu + inv[1] * vv + inv[2], inv[3] * uu + inv[4] * vv + inv[5], 1 / (n * n), acc);
          }
        }
      }
      const o = (v * size + u) * 3;
      for (let c = 0; c < 3; c++) out[o + c] = clampByte(acc[c]!);
    }
  }
  return out;
}

function referencePaste(frame: RgbImage, crop: RgbImage, mask: Float32Array, toCrop: Affine): void {
  // the mip step, as pasteCrop takes it
  let c = crop, m = mask, t = toCrop, scale = scaleOf(toCrop);
  while (scale >= 3 && c.width > 8) {
    const size = c.width, h = size >> 1;
    const half = new Float32Array(h * h);
    for (let y = 0; y < h; y++) for (let x = 0; x < h; x++) {
      const i = 2 * y * size + 2 * x;
      half[y * h + x] = (m[i]! + m[i + 1]! + m[i + size]! + m[i + size + 1]!) / 4;
    }
    c = halve(c);
    m = half;
    t = [t[0] / 2, t[1] / 2, (t[2] - 0.5) / 2, t[3] / 2, t[4] / 2, (t[5] - 0.5) / 2];
    scale /= 2;
  }
  const S = c.width;
  const inv = invert(t);
  const corners = [apply(inv, 0, 0), apply(inv, S - 1, 0), apply(inv, 0, S - 1), apply(inv, S - 1, S - 1)];
  const x0 = Math.max(0, Math.floor(Math.min(...corners.map((p) => p[0]))));
  const x1 = Math.min(frame.width - 1, Math.ceil(Math.max(...corners.map((p) => p[0]))));
  const y0 = Math.max(0, Math.floor(Math.min(...corners.map((p) => p[1]))));
  const y1 = Math.min(frame.height - 1, Math.ceil(Math.max(...corners.map((p) => p[1]))));
  const acc = new Float64Array(3);
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const u = t[0] * x + t[1] * y + t[2];
      const v = t[3] * x + t[4] * y + t[5];
      if (!(u >= 0 && v >= 0 && u <= S - 1 && v <= S - 1)) continue;
      const ux = Math.floor(u), vy = Math.floor(v);
      const ux1 = ux + 1 < S ? ux + 1 : ux, vy1 = vy + 1 < S ? vy + 1 : vy;
      const fx = u - ux, fy = v - vy;
      const alpha = m[vy * S + ux]! * (1 - fx) * (1 - fy) + m[vy * S + ux1]! * fx * (1 - fy) + m[vy1 * S + ux]! * (1 - fx) * fy + m[vy1 * S + ux1]! * fx * fy;
      if (alpha <= 0) continue;
      sampleCubic(c.data, S, S, u, v, acc);
      const o = (y * frame.width + x) * 3;
      for (let ch = 0; ch < 3; ch++) {
        const src = acc[ch]! < 0 ? 0 : acc[ch]! > 255 ? 255 : acc[ch]!;
        frame.data[o + ch] = Math.round(frame.data[o + ch]! + alpha * (src - frame.data[o + ch]!));
      }
    }
  }
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

/** Similarity transforms over a range of scales and angles (quarter turns, none, arbitrary), placed anywhere, edges included. */
function transforms(count: number, W: number, H: number, S: number, seed: number): Affine[] {
  const r = rng(seed);
  return Array.from({ length: count }, (_, k) => {
    const s = [0.3, 0.6, 0.9, 1.3, 2.5, 4, 7][k % 7]! * (0.8 + 0.4 * r());
    const th = k % 11 === 0 ? Math.PI / 2 : k % 13 === 0 ? 0 : (r() - 0.5) * 7;
    return [s * Math.cos(th), -s * Math.sin(th), -r() * W * s + S / 2, s * Math.sin(th), s * Math.cos(th), -r() * H * s + S / 2];
  });
}

describe('warp and paste kernels', () => {
  const W = 180, H = 130;
  const r = rng(5);
  const frame: RgbImage = { width: W, height: H, data: Uint8Array.from({ length: W * H * 3 }, () => Math.floor(r() * 256)) };

  it('warpToCrop equals the per-pixel definition bit for bit (cubic and supersampled paths, edges included), from the whole frame or from warpSourceRect', () => {
    for (const [k, m] of transforms(160, W, H, 48, 1).entries()) {
      const S = [32, 48][k % 2]!;
      const expected = Buffer.from(referenceWarp(frame, m, S));
      expect(Buffer.from(warpToCrop(frame, m, S)).equals(expected), `transform ${k}`).toBe(true);
      const rect = warpSourceRect(W, H, m, S);
      expect(Buffer.from(warpToCrop(copyRect(frame, rect), m, S, undefined, [rect[0], rect[1]])).equals(expected), `transform ${k}, from its rectangle`).toBe(true);
    }
  });

  it('pasteCrop equals the per-pixel definition bit for bit (spans, mip levels, quarter turns), into the whole frame or into pasteRect', () => {
    for (const [k, m] of transforms(150, W, H, 64, 2).entries()) {
      const S = [32, 64][k % 2]!;
      const crop: RgbImage = { width: S, height: S, data: Uint8Array.from({ length: S * S * 3 }, () => Math.floor(r() * 256)) };
      const fast = { ...frame, data: frame.data.slice() };
      const slow = { ...frame, data: frame.data.slice() };
      pasteCrop(fast, crop, faceMask(S), m);
      referencePaste(slow, crop, faceMask(S), m);
      expect(Buffer.from(fast.data).equals(Buffer.from(slow.data)), `transform ${k}`).toBe(true);
      const rect = pasteRect(W, H, S, m);
      const part = copyRect(frame, rect);
      pasteCrop(part, crop, faceMask(S), m, [rect[0], rect[1]]);
      const viaRect = { ...frame, data: frame.data.slice() };
      putRect(viaRect, part, rect[0], rect[1]);
      expect(Buffer.from(viaRect.data).equals(Buffer.from(slow.data)), `transform ${k}, into its rectangle`).toBe(true);
    }
  });

});
