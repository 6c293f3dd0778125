import type { Placed } from './association.ts';
import type { Box, Landmarks } from './types.ts';

export interface Observation {
  frame: number;
  box: Box;
  score: number;
  landmarks: Landmarks;
}

export type TrackStatus = 'tentative' | 'confirmed' | 'ended';

/** One face followed through one scene: its detections, and what it takes to be born or die. */
export class Track {
  /** public id, given at birth (0 while tentative) */
  id = 0;
  status: TrackStatus = 'tentative';
  /** detections, oldest first; the oldest are pruned once no frame still to come needs them */
  readonly obs: Observation[];
  /** detection frames seen since the track appeared, and how many found it */
  attempts = 1;
  hits = 1;
  /** detection frames in a row without the face */
  misses = 0;

  constructor(first: Observation) {
    this.obs = [first];
  }

  get last(): Observation {
    return this.obs[this.obs.length - 1]!;
  }

  /** Where the face should be at `frame`: constant velocity from the last two detections. */
  predict(frame: number): Placed {
    const b = this.last;
    const a = this.obs.length > 1 ? this.obs[this.obs.length - 2]! : b;
    const k = a === b ? 0 : (frame - b.frame) / (b.frame - a.frame);
    const ext = (p: number, q: number): number => q + (q - p) * k;
    return {
      box: b.box.map((v, i) => ext(a.box[i]!, v)) as Box,
      landmarks: b.landmarks.map((p, i) => [ext(a.landmarks[i]![0], p[0]), ext(a.landmarks[i]![1], p[1])]) as Landmarks,
    };
  }

  add(o: Observation): void {
    this.obs.push(o);
    this.hits++;
    this.attempts++;
    this.misses = 0;
  }

  miss(): void {
    this.attempts++;
    this.misses++;
  }

  /**
   * Drops detections before `frame`, but keeps the last one at or before it (a gap there is
   * interpolated from it) and the two the prediction needs.
   */
  prune(frame: number): void {
    let n = 0;
    while (n < this.obs.length - 2 && this.obs[n + 1]!.frame <= frame) n++;
    if (n > 0) this.obs.splice(0, n);
  }
}
