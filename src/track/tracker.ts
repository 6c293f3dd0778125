import { associate } from './association.ts';
import type { Detection } from './detector.ts';
import { faceAt } from './face-estimate.ts';
import { SMOOTHING_CONTEXT } from './smoother.ts';
import { Track } from './track.ts';
import type { ResolvedTrackOptions } from './track-options.ts';
import type { Frame, TrackedFrame } from './types.ts';

interface Held {
  frame: Frame;
  sceneCut: boolean;
}

/**
 * The synchronous heart of tracking. Frames go in with their detections (or null where the
 * detector did not run) and come out `lookAhead` frames later, when every decision about them is
 * final: whether a track there was born, whether a gap is bridged, and the smoothing window's
 * future half. Memory is the held frames plus a few detections per live track.
 */
export class Tracker {
  private readonly held: Held[] = [];
  private tracks: Track[] = [];
  private nextId = 1;
  private latest = -1;

  constructor(private readonly options: ResolvedTrackOptions) {}

  /** Adds frame `frame.index` (indices must increase by one); returns the frames now final. */
  push(frame: Frame, detections: readonly Detection[] | null, sceneCut: boolean): TrackedFrame[] {
    if (this.latest >= 0 && frame.index !== this.latest + 1) {
      throw new RangeError(`frames must arrive in order: got ${frame.index} after ${this.latest}`);
    }
    this.latest = frame.index;
    this.held.push({ frame, sceneCut });
    if (sceneCut) this.cut();
    if (detections) this.update(frame.index, detections);
    const out: TrackedFrame[] = [];
    while (this.held.length > 0 && this.held[0]!.frame.index <= this.latest - this.options.lookAhead) out.push(this.emit());
    return out;
  }

  /** End of stream: everything still held is final now; faces too new to be born are dropped. */
  finish(): TrackedFrame[] {
    this.tracks = this.tracks.filter((t) => t.status !== 'tentative');
    const out: TrackedFrame[] = [];
    while (this.held.length > 0) out.push(this.emit());
    return out;
  }

  private cut(): void {
    this.tracks = this.tracks.filter((t) => t.status !== 'tentative');
    for (const t of this.tracks) t.status = 'ended';
  }

  private update(index: number, all: readonly Detection[]): void {
    const o = this.options;
    const detections = all.filter((d) => d.score >= o.keepThreshold);
    const live = this.tracks.filter((t) => t.status !== 'ended');
    const { matches, unmatchedTracks, unmatchedDetections } = associate(
      live.map((t) => t.predict(index)),
      detections,
    );
    for (const [ti, di] of matches) {
      const track = live[ti]!;
      const d = detections[di]!;
      // A weak detection may carry a track along, but not vouch for a new one.
      if (track.status === 'tentative' && d.score < o.scoreThreshold) {
        track.miss();
        continue;
      }
      track.add({ frame: index, box: d.box, score: d.score, landmarks: d.landmarks });
      if (track.status === 'tentative' && track.hits >= o.birthHits) this.confirm(track);
    }
    for (const ti of unmatchedTracks) live[ti]!.miss();
    for (const track of live) {
      if (track.status === 'confirmed' && track.misses > o.maxMisses) track.status = 'ended';
    }
    // A newcomer must hit birthHits of its first birthHits + 1 detection frames: one miss is
    // forgiven, a one- or two-frame false detection is not.
    this.tracks = this.tracks.filter((t) => t.status !== 'tentative' || t.attempts - t.hits <= 1);
    for (const di of unmatchedDetections) {
      const d = detections[di]!;
      if (d.score < o.scoreThreshold) continue;
      const track = new Track({ frame: index, box: d.box, score: d.score, landmarks: d.landmarks });
      this.tracks.push(track);
      if (o.birthHits <= 1) this.confirm(track);
    }
  }

  private confirm(track: Track): void {
    track.status = 'confirmed';
    track.id = this.nextId++;
  }

  private emit(): TrackedFrame {
    const { frame, sceneCut } = this.held.shift()!;
    const f = frame.index;
    const radius = this.options.smoothingRadius;
    const faces = this.tracks
      .filter((t) => t.status !== 'tentative')
      .map((t) => faceAt(t, f, radius))
      .filter((face) => face !== null)
      .sort((a, b) => a.trackId - b.trackId);
    // Forget what no later frame needs: ended tracks behind us, detections outside the next window.
    this.tracks = this.tracks.filter((t) => t.status !== 'ended' || t.last.frame > f);
    for (const t of this.tracks) t.prune(f + 1 - radius - (radius > 0 ? SMOOTHING_CONTEXT : 0));
    return { frame, faces, sceneCut };
  }
}
