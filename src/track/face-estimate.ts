import { boxSize } from './box-geometry.ts';
import { estimateNoise, SMOOTHING_CONTEXT, smoothAt, type Sample } from './smoother.ts';
import type { Observation, Track } from './track.ts';
import type { Box, Landmarks, TrackedFace } from './types.ts';

/**
 * Floor of the landmark noise, as a fraction of the face size. Below it the window choice would
 * chase sub-pixel wobble that nobody sees; it also stands in when too few samples exist to
 * estimate the noise.
 */
const NOISE_FLOOR = 0.004;

const toSample = (o: Observation): Sample => ({ t: o.frame, y: [...o.landmarks.flat(), ...o.box] });

/**
 * The face of `track` in frame `f`, or null where the track does not cover f. `radius` is the
 * smoothing half-window; the track's detections must reach f + radius where they exist, and go
 * back to f − radius − SMOOTHING_CONTEXT (the smoother's decisions look that far).
 */
export function faceAt(track: Track, f: number, radius: number): TrackedFace | null {
  const obs = track.obs;
  if (obs.length === 0 || f < obs[0]!.frame || f > track.last.frame) return null;
  const exact = obs.find((o) => o.frame === f) ?? null;
  if (radius === 0 && exact) return { trackId: track.id, box: exact.box, score: exact.score, raw: exact.landmarks, landmarks: exact.landmarks };
  // The smoother's decisions (breaks, fit order, noise) see a little beyond its window.
  const window = obs.filter((o) => Math.abs(o.frame - f) <= radius + SMOOTHING_CONTEXT);
  const samples = window.map(toSample);
  const size = window.reduce((s, o) => s + boxSize(o.box), 0) / Math.max(1, window.length);
  const floor = NOISE_FLOOR * size;
  const sigma = Math.max(floor, estimateNoise(samples, 10) ?? floor);
  const smoothed = radius > 0 ? smoothAt(samples, f, { radius, sigma, testDims: 10 }) : null;
  const y = smoothed?.y ?? interpolate(obs, f);
  const landmarks = [0, 1, 2, 3, 4].map((k) => [y[2 * k]!, y[2 * k + 1]!]) as Landmarks;
  const box = [y[10]!, y[11]!, y[12]!, y[13]!] as Box;
  return { trackId: track.id, box, score: exact?.score ?? interpolateScore(obs, f), raw: exact?.landmarks ?? null, landmarks };
}

/** Linear interpolation between the detections either side of f (f lies within the track). */
function interpolate(obs: readonly Observation[], f: number): number[] {
  const { a, b, w } = bracket(obs, f);
  const ya = toSample(a).y;
  const yb = toSample(b).y;
  return Array.from({ length: ya.length }, (_, j) => ya[j]! + (yb[j]! - ya[j]!) * w);
}

function interpolateScore(obs: readonly Observation[], f: number): number {
  const { a, b, w } = bracket(obs, f);
  return a.score + (b.score - a.score) * w;
}

function bracket(obs: readonly Observation[], f: number): { a: Observation; b: Observation; w: number } {
  let i = obs.findIndex((o) => o.frame >= f);
  if (i < 0) i = obs.length - 1;
  const b = obs[i]!;
  const a = obs[Math.max(0, i - 1)]!;
  const w = b.frame === a.frame ? 0 : (f - a.frame) / (b.frame - a.frame);
  return { a, b, w };
}
