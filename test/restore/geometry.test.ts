import { describe, expect, it } from 'vitest';
import { apply, compose, estimateSimilarity, invert, type Affine } from '../../src/restore/affine.ts';
import { alignmentTransform } from '../../src/restore/align.ts';
import { faceMask } from '../../src/restore/mask.ts';
import { pasteCrop } from '../../src/restore/paste.ts';
import { warpToCrop } from '../../src/restore/warp.ts';
import { templateForSize } from '../../src/models/templates.ts';

const close = (a: number, b: number, tol = 1e-6) => expect(Math.abs(a - b)).toBeLessThan(tol);

function texture(w: number, h: number): Uint8Array {
  const d = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const o = (y * w + x) * 3;
    d[o] = 128 + 100 * Math.sin(x * 0.11) * Math.cos(y * 0.07);
    d[o + 1] = 128 + 90 * Math.sin((x + y) * 0.05);
    d[o + 2] = 128 + 120 * Math.cos(Math.hypot(x - 80, y - 60) * 0.2);
  }
  return d;
}

function psnr(a: Uint8Array, b: Uint8Array, idx?: number[]): number {
  let se = 0, n = 0;
  const pixels = idx ?? Array.from({ length: a.length / 3 }, (_, i) => i);
  for (const p of pixels) for (let c = 0; c < 3; c++) { se += (a[p * 3 + c]! - b[p * 3 + c]!) ** 2; n++; }
  return 10 * Math.log10((255 * 255) / (se / n));
}

describe('similarity estimation', () => {
  it('recovers a known rotation, scale and translation exactly', () => {
    const th = 0.3, s = 1.7;
    const m: Affine = [s * Math.cos(th), -s * Math.sin(th), 12, s * Math.sin(th), s * Math.cos(th), -5];
    const src = [[10, 20], [40, 22], [25, 40], [14, 55], [37, 54]] as const;
    const dst = src.map(([x, y]) => apply(m, x, y));
    const est = estimateSimilarity(src, dst);
    est.forEach((v, i) => close(v, m[i]!, 1e-9));
    const back = compose(invert(est), est);
    [1, 0, 0, 0, 1, 0].forEach((v, i) => close(back[i]!, v, 1e-9));
  });

  it('maps landmarks that already sit on the template onto it', () => {
    const t = templateForSize('gpen', 512);
    const lm = t.map(([x, y]) => [x / 4 + 100, y / 4 + 50] as [number, number]);
    const m = alignmentTransform(lm, 'gpen', 512);
    lm.forEach(([x, y], i) => {
      const [u, v] = apply(m, x, y);
      close(u, t[i]![0], 1e-6);
      close(v, t[i]![1], 1e-6);
    });
  });
});

describe('warp and paste', () => {
  const W = 160, H = 120;
  const frame = { width: W, height: H, data: texture(W, H) };

  it('an upscaling crop pasted back with the same transform returns the region nearly unchanged', () => {
    const S = 128;
    const toCrop: Affine = [2.1 * Math.cos(0.2), -2.1 * Math.sin(0.2), 10, 2.1 * Math.sin(0.2), 2.1 * Math.cos(0.2), -40];
    const crop = warpToCrop(frame, toCrop, S);
    const out = { width: W, height: H, data: frame.data.slice() };
    const mask = faceMask(S);
    pasteCrop(out, { width: S, height: S, data: crop }, mask, toCrop);
    const inside: number[] = [];
    let untouched = true;
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
      const [u, v] = apply(toCrop, x, y);
      const ui = Math.round(u), vi = Math.round(v);
      const m = ui >= 0 && vi >= 0 && ui < S && vi < S ? mask[vi * S + ui]! : 0;
      if (m > 0.99) inside.push(y * W + x);
      const outside = !(u >= -1 && v >= -1 && u <= S && v <= S);
      if (outside) for (let c = 0; c < 3; c++) if (out.data[(y * W + x) * 3 + c] !== frame.data[(y * W + x) * 3 + c]) untouched = false;
    }
    expect(inside.length).toBeGreaterThan(200);
    expect(untouched).toBe(true);
    expect(psnr(out.data, frame.data, inside)).toBeGreaterThan(38);
  });

  it('a downscaling paste (crop larger than the face) does not alias', () => {
    const S = 256;
    const toCrop: Affine = [6, 0, -300, 0, 6, -250];
    const crop = warpToCrop(frame, toCrop, S);
    const out = { width: W, height: H, data: frame.data.slice() };
    pasteCrop(out, { width: S, height: S, data: crop }, faceMask(S), toCrop);
    const region: number[] = [];
    for (let y = 50; y < 80; y++) for (let x = 60; x < 90; x++) region.push(y * W + x);
    expect(psnr(out.data, frame.data, region)).toBeGreaterThan(34);
  });

  it('the mask is 1 in the middle, 0 at the border, and smooth between', () => {
    const S = 64;
    const m = faceMask(S);
    expect(m[32 * S + 32]).toBe(1);
    expect(m[0]).toBe(0);
    expect(m[32 * S]).toBe(0);
    let maxStep = 0;
    for (let x = 1; x < S; x++) maxStep = Math.max(maxStep, Math.abs(m[32 * S + x]! - m[32 * S + x - 1]!));
    expect(maxStep).toBeLessThan(0.25);
  });
});
