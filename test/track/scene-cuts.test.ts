import { describe, expect, it } from 'vitest';
import { SceneCutDetector } from '../../src/track/scene-cuts.ts';
import { lumaThumb, thumbDistance } from '../../src/track/thumb.ts';
import type { RgbImage } from '../../src/track/types.ts';

const W = 160;
const H = 90;

/** A smooth random-looking landscape (sum of sinusoids), seen from offset (ox, oy), times `gain`. */
function scene(seed: number, ox = 0, oy = 0, gain = 1, offset = 0): RgbImage {
  const data = new Uint8Array(W * H * 3);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const u = x + ox;
      const v = y + oy;
      const l = 128 + 50 * Math.sin(u / (7 + seed) + seed) * Math.cos(v / (5 + seed * 1.7)) + 40 * Math.sin((u + 2 * v) / (11 + 3 * seed) + 2 * seed);
      const value = Math.max(0, Math.min(255, l * gain + offset));
      data.set([value, value * 0.9, value * 0.8], (y * W + x) * 3);
    }
  }
  return { width: W, height: H, data };
}

function cutsOf(images: RgbImage[], threshold?: number): number[] {
  const d = new SceneCutDetector(threshold === undefined ? {} : { threshold });
  const decisions = [...images.flatMap((im) => d.push(lumaThumb(im))), ...d.flush()];
  expect(decisions).toHaveLength(images.length);
  return decisions.flatMap((c, i) => (c ? [i] : []));
}

describe('scene cuts', () => {
  it('finds the switch to another scene, at exactly that frame', () => {
    const frames = [...Array.from({ length: 8 }, (_, t) => scene(1, t)), ...Array.from({ length: 8 }, (_, t) => scene(4, t))];
    expect(cutsOf(frames)).toEqual([8]);
  });

  it('ignores fast pans, flicker and fades', () => {
    const pan = Array.from({ length: 20 }, (_, t) => scene(2, 6 * t, 2 * t));
    const flicker = Array.from({ length: 20 }, (_, t) => scene(2, 0, 0, t % 2 ? 0.6 : 1.2, t % 3 ? 10 : -10));
    const fade = Array.from({ length: 20 }, (_, t) => scene(2, t, 0, 1 - t / 20));
    expect(cutsOf(pan)).toEqual([]);
    expect(cutsOf(flicker)).toEqual([]);
    expect(cutsOf(fade)).toEqual([]);
  });

  it('ignores a one-frame flash of other content', () => {
    const frames = Array.from({ length: 12 }, (_, t) => (t === 6 ? scene(5) : scene(3, t)));
    expect(cutsOf(frames)).toEqual([]);
  });

  it('can be turned off', () => {
    const frames = [scene(1), scene(1), scene(4), scene(4)];
    expect(cutsOf(frames, 0)).toEqual([]);
  });

  it('scores unrelated content far above a shifted copy', () => {
    expect(thumbDistance(lumaThumb(scene(1)), lumaThumb(scene(1, 8, 3)))).toBeLessThan(0.2);
    expect(thumbDistance(lumaThumb(scene(1)), lumaThumb(scene(4)))).toBeGreaterThan(0.6);
  });
});
