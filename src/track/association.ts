import { boxSize, iou } from './box-geometry.ts';
import type { Box, Landmarks } from './types.ts';

export interface Placed {
  box: Box;
  landmarks: Landmarks;
}

/** Landmark distance beyond this fraction of the face size never matches. */
const MAX_LANDMARK_SHIFT = 0.5;
/** Faces whose sizes differ by more than this factor never match. */
const MAX_SIZE_RATIO = 1.8;

/**
 * Cost of explaining detection `d` by a track predicted at `p`: lower is better, Infinity for
 * impossible pairs. Overlap and mean landmark distance (in face sizes) both count, so two
 * overlapping faces are told apart by where their eyes and mouths are.
 */
export function matchCost(p: Placed, d: Placed): number {
  const sp = boxSize(p.box);
  const sd = boxSize(d.box);
  if (!(sp > 0 && sd > 0) || Math.max(sp / sd, sd / sp) > MAX_SIZE_RATIO) return Infinity;
  let dist = 0;
  for (let k = 0; k < 5; k++) dist += Math.hypot(p.landmarks[k]![0] - d.landmarks[k]![0], p.landmarks[k]![1] - d.landmarks[k]![1]);
  const shift = dist / 5 / Math.max(sp, sd);
  if (shift > MAX_LANDMARK_SHIFT) return Infinity;
  return 1 - iou(p.box, d.box) + shift;
}

export interface Assignment {
  /** [track index, detection index] */
  matches: [number, number][];
  unmatchedTracks: number[];
  unmatchedDetections: number[];
}

/**
 * Greedy assignment by ascending cost. Faces rarely compete (two faces overlapping enough to be
 * confused are unusual), and where they do, the cheapest pair first is what the optimal
 * (Hungarian) assignment picks too in all but contrived cases.
 */
export function associate(tracks: readonly Placed[], detections: readonly Placed[]): Assignment {
  const pairs: [number, number, number][] = [];
  for (let i = 0; i < tracks.length; i++) {
    for (let j = 0; j < detections.length; j++) {
      const c = matchCost(tracks[i]!, detections[j]!);
      if (Number.isFinite(c)) pairs.push([c, i, j]);
    }
  }
  pairs.sort((a, b) => a[0] - b[0]);
  const usedT = new Set<number>();
  const usedD = new Set<number>();
  const matches: [number, number][] = [];
  for (const [, i, j] of pairs) {
    if (usedT.has(i) || usedD.has(j)) continue;
    usedT.add(i);
    usedD.add(j);
    matches.push([i, j]);
  }
  return {
    matches,
    unmatchedTracks: tracks.map((_, i) => i).filter((i) => !usedT.has(i)),
    unmatchedDetections: detections.map((_, j) => j).filter((j) => !usedD.has(j)),
  };
}
