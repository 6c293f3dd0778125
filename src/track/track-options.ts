import { z } from 'zod';
import { UsageError } from '../errors.ts';

export interface TrackOptions {
  /** run the detector on every Nth frame and interpolate between (default 1: every frame) */
  detectEvery?: number;
  /** lowest detector score that starts a track (default 0.6) */
  scoreThreshold?: number;
  /**
   * lowest score that still continues an existing track (default 0.45, or scoreThreshold where
   * that is lower); the detector must report scores this low for it to matter
   */
  keepThreshold?: number;
  /** landmark smoothing strength 0..1; 0 = raw detections, 1 = widest window (default 0.7) */
  landmarkSmoothing?: number;
  /** a track is born once it has this many hits within birthHits + 1 detection frames (default 3) */
  birthHits?: number;
  /** a track dies after this many detection frames in a row without its face (default 6); shorter gaps are interpolated */
  maxMisses?: number;
  /** frames held back to see the future: smoothing window, gap filling and births (default 12) */
  lookAhead?: number;
  /** thumb distance that counts as a scene cut (default 0.5, see scene-cuts.ts); 0 turns cut detection off */
  sceneCutThreshold?: number;
  /** detector calls kept in flight ahead of the tracker (default 2) */
  maxInFlight?: number;
  /** copy each frame's pixels (default true); false only when the source never reuses its buffers */
  copyFrames?: boolean;
}

/** Half-window of the widest smoother at landmarkSmoothing = 1, frames. */
export const MAX_SMOOTHING_RADIUS = 17;

const schema = z.object({
  detectEvery: z.number().int().min(1).max(30).default(1),
  scoreThreshold: z.number().min(0).max(1).default(0.6),
  keepThreshold: z.number().min(0).max(1).optional(),
  landmarkSmoothing: z.number().min(0).max(1).default(0.7),
  birthHits: z.number().int().min(1).max(10).default(3),
  maxMisses: z.number().int().min(0).max(60).default(6),
  lookAhead: z.number().int().min(0).max(60).default(12),
  sceneCutThreshold: z.number().min(0).max(2).default(0.5),
  maxInFlight: z.number().int().min(1).max(16).default(2),
  copyFrames: z.boolean().default(true),
});

export type ResolvedTrackOptions = Omit<z.infer<typeof schema>, 'keepThreshold'> & {
  keepThreshold: number;
  /** smoothing half-window, frames */
  smoothingRadius: number;
};

export function resolveTrackOptions(options: TrackOptions = {}): ResolvedTrackOptions {
  const parsed = schema.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new UsageError(`invalid tracking option ${issue.path.join('.')}: ${issue.message}`);
  }
  const o = parsed.data;
  // A frame leaves only when every decision about it is final. A gap is bridged if the face
  // returns by the detection after maxMisses missed ones; a newcomer is born or dropped by its
  // (birthHits + 1)th detection frame. The smoother simply uses what the look-ahead holds.
  const gap = (o.maxMisses + 1) * o.detectEvery - 1;
  const birth = o.birthHits > 1 ? o.birthHits * o.detectEvery : 0;
  const needed = Math.max(gap, birth);
  if (o.lookAhead < needed) {
    throw new UsageError(
      `tracking look-ahead of ${o.lookAhead} frames is too short: maxMisses ${o.maxMisses} and birthHits ${o.birthHits} ` +
        `at one detection every ${o.detectEvery} frame(s) need at least ${needed}`,
    );
  }
  const keepThreshold = o.keepThreshold ?? Math.min(0.45, o.scoreThreshold);
  if (keepThreshold > o.scoreThreshold) throw new UsageError(`keepThreshold (${keepThreshold}) must not exceed scoreThreshold (${o.scoreThreshold})`);
  const smoothingRadius = Math.min(o.lookAhead, Math.round(o.landmarkSmoothing * MAX_SMOOTHING_RADIUS));
  return { ...o, keepThreshold, smoothingRadius };
}
