import { describe, expect, it } from 'vitest';
import { gaussian } from '../helpers/random.ts';
import { breakStat, estimateNoise, findBreaks, SMOOTHING_CONTEXT, smoothAt, type Sample } from '../../src/track/smoother.ts';
import { resolveTrackOptions } from '../../src/track/track-options.ts';
import { Tracker } from '../../src/track/tracker.ts';
import type { Detection } from '../../src/track/detector.ts';
import { blankFrame, face } from './helpers/faces.ts';


const R = 12;
/** Smooths every frame the way the tracker does: samples within radius + SMOOTHING_CONTEXT. */
function smoothAll(values: number[], sigma: number) {
  const samples: Sample[] = values.map((v, t) => ({ t, y: [v] }));
  return values.map((_, t) => smoothAt(samples.filter((s) => Math.abs(s.t - t) <= R + SMOOTHING_CONTEXT), t, { radius: R, sigma })!);
}
const jitter = (e: number[]) => e.slice(1, -1).reduce((s, _, i) => s + Math.abs(e[i + 2]! - 2 * e[i + 1]! + e[i]!), 0) / (e.length - 2);
const rms = (e: number[]) => Math.sqrt(e.reduce((s, v) => s + v * v, 0) / e.length);
const errors = (v: number[], truth: number[]) => v.map((x, t) => x - truth[t]!);
/** Triangle wave: ±amp around 0, slope ±4·amp/period, corners every period/2 frames. */
const zigzag = (t: number, amp: number, period: number) => {
  const p = (((t / period) % 1) + 1) % 1;
  return amp * (p < 0.5 ? 4 * p - 1 : 3 - 4 * p);
};

describe('smoothAt on fast and broken motion', () => {
  it('follows a face swinging at 22 px/frame without the local quadratic’s bias', () => {
    const noise = gaussian(5);
    const truth = Array.from({ length: 90 }, (_, t) => 240 + 150 * Math.sin((2 * Math.PI * t) / 43));
    const raw = truth.map((v) => v + 0.5 * noise());
    const out = smoothAll(raw, 0.5);
    const y = out.map((o) => o.y[0]!);
    // A fixed quadratic of this radius misses the swing by up to 0.5 px; the quartic takes over.
    const middle = (e: number[]) => e.slice(R, -R);
    expect(rms(middle(errors(y, truth)))).toBeLessThan(0.6 * rms(middle(errors(raw, truth))));
    expect(jitter(errors(y, truth))).toBeLessThan(0.2 * jitter(errors(raw, truth)));
    expect(out.slice(R, -R).reduce((s, o) => s + o.quartic, 0) / (out.length - 2 * R)).toBeGreaterThan(0.5);
  });

  it('keeps the plain local quadratic where nothing but noise disagrees with it', () => {
    const noise = gaussian(9);
    const raw = Array.from({ length: 80 }, (_, t) => 100 + 0.7 * t + 0.5 * noise());
    const out = smoothAll(raw, 0.5);
    expect(out.reduce((s, o) => s + o.quartic, 0) / out.length).toBeLessThan(0.15);
  });

  it('finds every reversal of an 18 px/frame zigzag, at its frame, and nothing else', () => {
    const noise = gaussian(3);
    const truth = Array.from({ length: 72 }, (_, t) => 240 + zigzag(t + 7, 126, 28));
    const raw = truth.map((v) => v + 0.8 * noise());
    const samples: Sample[] = raw.map((v, t) => ({ t, y: [v] }));
    expect(findBreaks(samples, 0, 71, 0.8, 1, 6)).toEqual([7, 21, 35, 49, 63]);
  });

  it('tracks a zigzag corner for corner with 5× less jitter than the raw samples', () => {
    const noise = gaussian(4);
    const truth = Array.from({ length: 72 }, (_, t) => 240 + zigzag(t + 7, 126, 28));
    const raw = truth.map((v) => v + 0.8 * noise());
    const out = smoothAll(raw, 0.8);
    const y = out.map((o) => o.y[0]!);
    expect(jitter(errors(y, truth))).toBeLessThan(0.2 * jitter(errors(raw, truth)));
    expect(rms(errors(y, truth))).toBeLessThan(rms(errors(raw, truth)));
    for (const c of [7, 21, 35, 49, 63]) expect(Math.abs(y[c]! - truth[c]!)).toBeLessThan(1.5);
    // Frames between two corners see both, and their windows end there.
    expect(out[14]!.breaks).toEqual([7, 21]);
  });

  it('does not take one wild detection for a corner', () => {
    const noise = gaussian(8);
    const truth = Array.from({ length: 40 }, (_, t) => 50 + 6 * t);
    const raw = truth.map((v) => v + 0.5 * noise());
    raw[20]! += 12; // 24σ
    const samples: Sample[] = raw.map((v, t) => ({ t, y: [v] }));
    expect(findBreaks(samples, 0, 39, 0.5, 1, 6)).toEqual([]);
    // with the spike the fit sees a corner there; with it left out, none
    expect(breakStat(samples, 20, 0.5, 1)).toBeGreaterThan(6);
    expect(breakStat(samples, 20, 0.5, 1, [], 20)).toBeLessThan(6);
    const y = smoothAll(raw, 0.5).map((o) => o.y[0]!);
    expect(Math.abs(y[20]! - truth[20]!)).toBeLessThan(2);
  });

  it('estimates the noise, not the acceleration, of fast accelerating motion', () => {
    const noise = gaussian(12);
    const samples: Sample[] = Array.from({ length: 60 }, (_, t) => ({ t, y: [150 * Math.sin((2 * Math.PI * t) / 43) + 0.5 * noise()] }));
    // Second differences would report the acceleration (up to 3.2 px/frame²) as noise.
    const sigma = estimateNoise(samples)!;
    expect(sigma).toBeGreaterThan(0.35);
    expect(sigma).toBeLessThan(0.7);
  });
});

describe('Tracker with the motion-aware smoother', () => {
  it('takes a face reversing at 18 px/frame through its corners (the smoother sees past its window)', () => {
    const noise = gaussian(21);
    const x = (t: number) => 200 + zigzag(t + 7, 126, 28);
    const truth = (t: number) => face(x(t), 100, 80);
    const dets: Detection[][] = Array.from({ length: 72 }, (_, t) => {
      const d = truth(t);
      return [{ ...d, landmarks: d.landmarks.map((p) => [p[0] + 0.6 * noise(), p[1] + 0.6 * noise()]) as Detection['landmarks'] }];
    });
    const tracker = new Tracker(resolveTrackOptions({}));
    const out = [...dets.flatMap((d, t) => tracker.push(blankFrame(t), d, false)), ...tracker.finish()];
    expect(out).toHaveLength(72);
    const err = (t: number) => out[t]!.faces[0]!.landmarks[0][0] - truth(t).landmarks[0][0];
    // A corner is estimated from one-sided fits, the noisiest kind; rounded off it would be 10 px out.
    const corners = [7, 21, 35, 49, 63].map((c) => Math.abs(err(c)));
    expect(Math.max(...corners)).toBeLessThan(2);
    expect(corners.reduce((s, v) => s + v, 0) / corners.length).toBeLessThan(1);
    const e = out.map((_, t) => err(t));
    const r = out.map((f, t) => f.faces[0]!.raw![0][0] - truth(t).landmarks[0][0]);
    expect(jitter(e)).toBeLessThan(0.2 * jitter(r));
  });

  it('smooths over 12 frames each way at the default strength (the whole look-ahead)', () => {
    expect(resolveTrackOptions({}).smoothingRadius).toBe(12);
    expect(resolveTrackOptions({ landmarkSmoothing: 0.35 }).smoothingRadius).toBe(6);
  });
});
