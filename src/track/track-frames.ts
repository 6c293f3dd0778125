import { InputError } from '../errors.ts';
import { measure } from '../runtime/stage-clock.ts';
import type { Detection, Detector } from './detector.ts';
import { SceneCutDetector } from './scene-cuts.ts';
import { lumaThumb } from './thumb.ts';
import { resolveTrackOptions, type TrackOptions } from './track-options.ts';
import { Tracker } from './tracker.ts';
import type { Box, Frame, RgbImage, TrackedFrame } from './types.ts';

interface Detecting {
  frame: Frame;
  sceneCut: boolean;
  detections: Promise<Detection[]> | null;
}

/** A detector that can look only near given boxes, with the result detect() gives for faces there (YunetDetector). */
interface NearDetector extends Detector {
  detectNear(frame: RgbImage, near: readonly Box[], signal?: AbortSignal): Promise<Detection[]>;
}

export interface TrackFramesOptions extends TrackOptions {
  signal?: AbortSignal;
  /**
   * With a detector that can look near given boxes: scan whole frames only every this many frames
   * (in runs of maxInFlight, and at the start and each scene cut), and in between only around the
   * faces of the last few detected frames (default 8; 1 scans every frame). Faces already found get
   * exactly the detections a whole-frame scan gives them; a face appearing elsewhere is found at
   * the next whole scan, at most this many frames late.
   */
  scanEvery?: number;
}

/** Detected frames whose boxes say where to look next (a face missed for up to this many frames is still looked for). */
const NEAR_HISTORY = 6;
/** How far a face is assumed to move per frame where its speed is unknown: a share of its size, plus pixels. */
const NEAR_SPEED = 0.15;
const NEAR_SLACK = 8;

const centre = (b: Box): [number, number] => [b[0] + b[2] / 2, b[1] + b[3] / 2];
const near = (a: Box, b: Box): boolean => {
  const [ax, ay] = centre(a), [bx, by] = centre(b);
  return Math.hypot(ax - bx, ay - by) < 0.5 * Math.max(a[2], a[3], b[2], b[3]);
};

/**
 * Where to look for the faces of frame `index`: the boxes of the latest detected frames, each face
 * once (its most recent box), grown by how far it may have moved since: by its speed over the two
 * frames before where it was found in both, else by a generous NEAR_SPEED of its size per frame.
 */
function nearBoxes(history: Map<number, Box[]>, index: number): Box[] {
  const frames = [...history.keys()].sort((a, b) => b - a);
  const out: Box[] = [];
  const seen: Box[] = [];
  for (const at of frames) {
    const age = index - at;
    const before = history.get(at - 1);
    for (const b of history.get(at)!) {
      if (seen.some((s) => near(s, b))) continue;
      seen.push(b);
      const size = Math.max(b[2], b[3]);
      const prev = before?.find((p) => near(p, b));
      let grow: number;
      if (prev) {
        const [x1, y1] = centre(b), [x0, y0] = centre(prev);
        const speed = Math.hypot(x1 - x0, y1 - y0) + Math.abs(Math.max(b[2], b[3]) - Math.max(prev[2], prev[3]));
        grow = age * (2 * speed + 2) + 0.05 * size + NEAR_SLACK;
      } else {
        grow = age * (NEAR_SLACK + NEAR_SPEED * size);
      }
      out.push([b[0] - grow, b[1] - grow, b[2] + 2 * grow, b[3] + 2 * grow]);
    }
  }
  return out;
}

/**
 * Detects and tracks faces through a stream of frames. Frames are pulled as the consumer pulls,
 * and come out in order, each `lookAhead` (+ a few) frames after it went in; at most
 * lookAhead + maxInFlight + 3 frames are held (the scene-cut test looks 2 frames ahead). While
 * the tracker works on frame t the detector already runs on the next (maxInFlight calls at most).
 *
 * Each TrackedFrame carries a private copy of its frame's pixels (the decoder may reuse its
 * buffers), valid for as long as the consumer keeps it; with copyFrames: false it carries the
 * source's frame object itself. The detector stays open: the caller owns it.
 *
 * Which frames are scanned whole (see scanEvery) depends only on frame numbers, scene cuts and
 * the detections of frames at least maxInFlight back, never on timing, so a run is reproducible.
 */
export async function* trackFrames(frames: AsyncIterable<Frame>, detector: Detector, options: TrackFramesOptions = {}): AsyncGenerator<TrackedFrame, void, undefined> {
  const o = resolveTrackOptions(options);
  const signal = options.signal;
  const tracker = new Tracker(o);
  const cuts = new SceneCutDetector({ threshold: o.sceneCutThreshold });
  const scanEvery = Math.max(1, Math.floor(options.scanEvery ?? 8));
  const near = scanEvery > 1 && typeof (detector as Partial<NearDetector>).detectNear === 'function' ? (detector as NearDetector) : null;
  // Frames wait here for their scene-cut decision, which needs the next frames' thumbs.
  const undecided: Frame[] = [];
  const detecting: Detecting[] = [];
  let sinceDetect = Infinity;
  // boxes found in recent frames of the current scene, by frame index
  const history = new Map<number, Box[]>();
  let sceneStart = -Infinity;

  const next = async (): Promise<TrackedFrame[]> => {
    const job = detecting.shift()!;
    const detections = job.detections ? await job.detections : null;
    signal?.throwIfAborted();
    if (detections && job.frame.index >= sceneStart) history.set(job.frame.index, detections.map((d) => d.box));
    return measure('track', () => tracker.push(job.frame, detections, job.sceneCut));
  };
  /** Starts detection on a frame whose cut decision is in, once a detector slot is free. */
  async function* admit(frame: Frame, sceneCut: boolean): AsyncGenerator<TrackedFrame, void, undefined> {
    while (detecting.length >= o.maxInFlight) yield* await next();
    // Detect on a cut so a new scene's faces are found at once, whatever the interval.
    const due = sceneCut || sinceDetect + 1 >= o.detectEvery;
    sinceDetect = due ? 0 : sinceDetect + 1;
    let detections: Promise<Detection[]> | null = null;
    if (due) {
      if (sceneCut || sceneStart === -Infinity) {
        sceneStart = frame.index;
        history.clear();
      }
      // Every frame up to index − maxInFlight has its detections by now (the loop above waited).
      for (const at of history.keys()) if (at <= frame.index - o.maxInFlight - NEAR_HISTORY) history.delete(at);
      const whole = !near || frame.index - sceneStart < o.maxInFlight || frame.index % scanEvery < o.maxInFlight;
      detections = whole ? detector.detect(frame, signal) : near.detectNear(frame, nearBoxes(history, frame.index), signal);
    }
    // Failures surface when the tracker reaches this frame; until then, no unhandled rejection.
    detections?.catch(() => {});
    detecting.push({ frame, sceneCut, detections });
  }

  for await (const source of frames) {
    signal?.throwIfAborted();
    if (source.data.length !== source.width * source.height * 3) {
      throw new InputError('E_FRAME_FORMAT', `frame ${source.index} has ${source.data.length} bytes for ${source.width}×${source.height}: face tracking needs rgb24 frames`);
    }
    const frame = o.copyFrames ? { ...source, data: Buffer.from(source.data) } : source;
    undecided.push(frame);
    for (const cut of cuts.push(measure('track', () => lumaThumb(frame)))) yield* admit(undecided.shift()!, cut);
  }
  for (const cut of cuts.flush()) yield* admit(undecided.shift()!, cut);
  while (detecting.length > 0) yield* await next();
  signal?.throwIfAborted();
  yield* tracker.finish();
}
