import { describe, expect, it } from 'vitest';
import { gaussian } from '../helpers/random.ts';
import { estimateNoise, smoothAt, type Sample } from '../../src/track/smoother.ts';


const R = 8;
function smoothAll(values: number[], sigma: number, radius = R): number[] {
  const samples: Sample[] = values.map((v, t) => ({ t, y: [v] }));
  return values.map((_, t) => smoothAt(samples.filter((s) => Math.abs(s.t - t) <= radius), t, { radius, sigma })!.y[0]!);
}
const jitter = (e: number[]) => e.slice(1, -1).reduce((s, _, i) => s + Math.abs(e[i + 2]! - 2 * e[i + 1]! + e[i]!), 0) / (e.length - 2);
const rms = (e: number[]) => Math.sqrt(e.reduce((s, v) => s + v * v, 0) / e.length);

describe('smoothAt (adaptive local quadratic)', () => {
  it('passes a cubic trajectory through without lag, and a quadratic one at the ends too', () => {
    const cubic = Array.from({ length: 40 }, (_, t) => 3 + 2.5 * t - 0.08 * t * t + 0.002 * t ** 3);
    const out = smoothAll(cubic, 0.5);
    // Centred windows are exact for cubics; one-sided ones at the ends for quadratics.
    out.forEach((v, t) => expect(v).toBeCloseTo(cubic[t]!, t >= R && t < 40 - R ? 6 : 1));
    const quadratic = Array.from({ length: 40 }, (_, t) => 3 + 2.5 * t - 0.08 * t * t);
    smoothAll(quadratic, 0.5).forEach((v, t) => expect(v).toBeCloseTo(quadratic[t]!, 6));
  });

  it('follows fast linear motion exactly (25 px/frame)', () => {
    const truth = Array.from({ length: 30 }, (_, t) => 100 + 25 * t);
    const out = smoothAll(truth, 1);
    out.forEach((v, t) => expect(v).toBeCloseTo(truth[t]!, 6));
  });

  it('cuts white-noise jitter by more than 5× and lowers the error', () => {
    const noise = gaussian(7);
    const truth = Array.from({ length: 80 }, (_, t) => 50 + 4 * t + 10 * Math.sin(t / 15));
    const raw = truth.map((v) => v + noise());
    const out = smoothAll(raw, 1);
    const rawErr = raw.map((v, t) => v - truth[t]!);
    const outErr = out.map((v, t) => v - truth[t]!);
    expect(jitter(outErr)).toBeLessThan(0.2 * jitter(rawErr));
    expect(rms(outErr)).toBeLessThan(0.75 * rms(rawErr));
  });

  it('keeps a sudden reversal sharp instead of rounding it off', () => {
    const noise = gaussian(3);
    // 20 px/frame out and back: a corner no smooth curve fits.
    const truth = Array.from({ length: 41 }, (_, t) => 400 - 20 * Math.abs(t - 20));
    const raw = truth.map((v) => v + noise());
    const out = smoothAll(raw, 1);
    // A centred R = 8 quadratic would miss the corner by some 18 px and its neighbours by 10.
    for (const t of [16, 17, 18, 19, 20, 21, 22, 23, 24]) expect(Math.abs(out[t]! - truth[t]!)).toBeLessThan(3);
    const err = (v: number[]) => rms(v.map((x, t) => x - truth[t]!));
    expect(err(out)).toBeLessThan(err(raw));
    // Away from the corner the full window is used.
    const samples: Sample[] = raw.map((v, t) => ({ t, y: [v] }));
    expect(smoothAt(samples.filter((s) => Math.abs(s.t - 5) <= R), 5, { radius: R, sigma: 1 })!.radius).toBe(R);
  });

  it('interpolates across a gap and never extrapolates beyond the last sample', () => {
    const samples: Sample[] = [0, 1, 2, 3, 6, 7, 8].map((t) => ({ t, y: [10 * t] }));
    expect(smoothAt(samples, 4, { radius: 4, sigma: 0.1 })!.y[0]).toBeCloseTo(40, 6);
    expect(smoothAt(samples.filter((s) => s.t <= 3), 5, { radius: 4, sigma: 0.1 })).toBeNull();
  });

  it('returns the raw sample at radius 0', () => {
    const samples: Sample[] = [{ t: 0, y: [1] }, { t: 1, y: [5] }, { t: 2, y: [2] }];
    expect(smoothAt(samples, 1, { radius: 0, sigma: 1 })!.y[0]).toBe(5);
  });
});

describe('estimateNoise', () => {
  it('recovers the noise level of a moving, noisy trajectory', () => {
    const noise = gaussian(11);
    const samples: Sample[] = Array.from({ length: 200 }, (_, t) => ({ t, y: [5 * t + 2 * noise(), -3 * t + 2 * noise()] }));
    expect(estimateNoise(samples)).toBeGreaterThan(1.6);
    expect(estimateNoise(samples)).toBeLessThan(2.4);
  });

  it('needs a few evenly spaced triples', () => {
    expect(estimateNoise([{ t: 0, y: [0] }, { t: 1, y: [1] }])).toBeNull();
  });
});
