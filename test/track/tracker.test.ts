import { describe, expect, it } from 'vitest';
import type { Detection } from '../../src/track/detector.ts';
import { resolveTrackOptions, type TrackOptions } from '../../src/track/track-options.ts';
import { Tracker } from '../../src/track/tracker.ts';
import type { TrackedFrame } from '../../src/track/types.ts';
import { blankFrame, face } from './helpers/faces.ts';

/** Runs the tracker over per-frame detections; `cuts` lists frames that start a new scene. */
function run(perFrame: (Detection[] | null)[], options: TrackOptions = {}, cuts: number[] = []): TrackedFrame[] {
  const tracker = new Tracker(resolveTrackOptions(options));
  const out: TrackedFrame[] = [];
  perFrame.forEach((dets, i) => out.push(...tracker.push(blankFrame(i), dets, cuts.includes(i))));
  out.push(...tracker.finish());
  return out;
}

const moving = (t: number) => face(20 + 4 * t, 30 + t);

describe('Tracker', () => {
  it('emits every frame once, in order, each lookAhead frames after it went in', () => {
    const tracker = new Tracker(resolveTrackOptions({ lookAhead: 5, maxMisses: 4 }));
    const seen: number[][] = [];
    for (let i = 0; i < 12; i++) seen.push(tracker.push(blankFrame(i), [moving(i)], false).map((f) => f.frame.index));
    seen.push(tracker.finish().map((f) => f.frame.index));
    expect(seen.slice(0, 5).flat()).toEqual([]);
    expect(seen.slice(5, 12)).toEqual([[0], [1], [2], [3], [4], [5], [6]]);
    expect(seen[12]).toEqual([7, 8, 9, 10, 11]);
  });

  it('follows one moving face with one id from its first frame, smoothed landmarks on the motion', () => {
    const out = run(Array.from({ length: 30 }, (_, t) => [moving(t)]));
    expect(out).toHaveLength(30);
    for (const [t, f] of out.entries()) {
      expect(f.faces.map((x) => x.trackId)).toEqual([1]);
      const truth = moving(t).landmarks;
      f.faces[0]!.landmarks.forEach((p, k) => {
        expect(p[0]).toBeCloseTo(truth[k]![0], 6);
        expect(p[1]).toBeCloseTo(truth[k]![1], 6);
      });
      expect(f.faces[0]!.raw).toEqual(truth);
    }
  });

  it('does not give birth to a one-frame false detection', () => {
    const dets = Array.from({ length: 20 }, (_, t) => (t === 6 ? [moving(t), face(250, 150)] : [moving(t)]));
    const out = run(dets);
    expect(new Set(out.flatMap((f) => f.faces.map((x) => x.trackId)))).toEqual(new Set([1]));
    expect(out.every((f) => f.faces.length === 1)).toBe(true);
  });

  it('gives birth after birthHits hits with one miss forgiven, back to the first frame', () => {
    const other = (t: number) => face(250, 150 + t);
    const hits = new Set([10, 12, 13]);
    const dets = Array.from({ length: 24 }, (_, t) => (hits.has(t) || t > 13 ? [moving(t), other(t)] : [moving(t)]));
    const out = run(dets);
    const second = out.filter((f) => f.faces.some((x) => x.trackId === 2)).map((f) => f.frame.index);
    expect(second[0]).toBe(10);
    expect(second).toHaveLength(14);
    // Frame 11 had no detection of it: interpolated.
    expect(out[11]!.faces.find((x) => x.trackId === 2)!.raw).toBeNull();
  });

  it('fills a two-frame miss by interpolation: raw null, landmarks in between', () => {
    const dets = Array.from({ length: 24 }, (_, t) => (t === 10 || t === 11 ? [] : [moving(t)]));
    for (const landmarkSmoothing of [0, 0.65]) {
      const out = run(dets, { landmarkSmoothing });
      expect(out.every((f) => f.faces.length === 1 && f.faces[0]!.trackId === 1)).toBe(true);
      for (const t of [10, 11]) {
        const got = out[t]!.faces[0]!;
        expect(got.raw).toBeNull();
        got.landmarks.forEach((p, k) => {
          expect(p[0]).toBeCloseTo(moving(t).landmarks[k]![0], 6);
          expect(p[1]).toBeCloseTo(moving(t).landmarks[k]![1], 6);
        });
        expect(got.score).toBeCloseTo(0.9, 6);
      }
    }
  });

  it('ends a track after maxMisses and starts a new id when the face returns', () => {
    const dets = Array.from({ length: 30 }, (_, t) => (t >= 10 && t < 15 ? [] : [moving(t)]));
    const out = run(dets, { maxMisses: 3 });
    expect(out.slice(0, 10).every((f) => f.faces[0]?.trackId === 1)).toBe(true);
    expect(out.slice(10, 15).every((f) => f.faces.length === 0)).toBe(true);
    expect(out.slice(15).every((f) => f.faces[0]?.trackId === 2)).toBe(true);
  });

  it('resets tracks at a scene cut even when the face stays put', () => {
    const dets = Array.from({ length: 24 }, () => [face(50, 50)]);
    const out = run(dets, {}, [12]);
    expect(out[11]!.faces.map((f) => f.trackId)).toEqual([1]);
    expect(out[12]!.sceneCut).toBe(true);
    expect(out[12]!.faces.map((f) => f.trackId)).toEqual([2]);
    expect(out.filter((f) => f.sceneCut).map((f) => f.frame.index)).toEqual([12]);
  });

  it('interpolates between detection frames when detecting every 3rd frame', () => {
    const dets = Array.from({ length: 30 }, (_, t) => (t % 3 === 0 ? [moving(t)] : null));
    const out = run(dets, { detectEvery: 3, maxMisses: 2, birthHits: 2 });
    const covered = out.filter((f) => f.faces.length === 1).map((f) => f.frame.index);
    expect(covered).toEqual(Array.from({ length: 28 }, (_, i) => i));
    expect(out[4]!.faces[0]!.raw).toBeNull();
    expect(out[4]!.faces[0]!.landmarks[0][0]).toBeCloseTo(moving(4).landmarks[0]![0], 6);
  });

  it('lets a weak detection continue a track but not start one', () => {
    const weak = (t: number) => ({ ...moving(t), score: 0.5 });
    const dets = Array.from({ length: 20 }, (_, t) => [t < 8 ? moving(t) : weak(t), face(250, 150, 60, 0.5)]);
    const out = run(dets);
    expect(out.every((f) => f.faces.length === 1 && f.faces[0]!.trackId === 1)).toBe(true);
  });

  it('refuses option sets whose look-ahead cannot hold its decisions', () => {
    expect(() => resolveTrackOptions({ lookAhead: 4, maxMisses: 6 })).toThrow(/look-ahead of 4 frames is too short/);
    expect(() => resolveTrackOptions({ landmarkSmoothing: 2 })).toThrow(/landmarkSmoothing/);
    expect(() => resolveTrackOptions({ detectEvery: 3, maxMisses: 3, lookAhead: 10 })).toThrow(/need at least 11/);
    expect(resolveTrackOptions({ landmarkSmoothing: 1, lookAhead: 10 }).smoothingRadius).toBe(10);
    // No look-ahead at all: raw landmarks, immediate births, no gap filling.
    expect(resolveTrackOptions({ lookAhead: 0, maxMisses: 0, birthHits: 1 }).smoothingRadius).toBe(0);
  });
});

describe('Tracker without look-ahead', () => {
  it('passes raw detections straight through', () => {
    const tracker = new Tracker(resolveTrackOptions({ lookAhead: 0, maxMisses: 0, birthHits: 1 }));
    const f = tracker.push(blankFrame(0), [moving(0)], false);
    expect(f).toHaveLength(1);
    expect(f[0]!.faces[0]!.landmarks).toEqual(moving(0).landmarks);
  });
});
