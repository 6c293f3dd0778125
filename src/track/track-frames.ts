import { InputError } from '../errors.ts';
import type { Detection, Detector } from './detector.ts';
import { SceneCutDetector } from './scene-cuts.ts';
import { lumaThumb } from './thumb.ts';
import { resolveTrackOptions, type TrackOptions } from './track-options.ts';
import { Tracker } from './tracker.ts';
import type { Frame, TrackedFrame } from './types.ts';

interface Detecting {
  frame: Frame;
  sceneCut: boolean;
  detections: Promise<Detection[]> | null;
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
 */
export async function* trackFrames(
  frames: AsyncIterable<Frame>,
  detector: Detector,
  options: TrackOptions & { signal?: AbortSignal } = {},
): AsyncGenerator<TrackedFrame, void, undefined> {
  const o = resolveTrackOptions(options);
  const signal = options.signal;
  const tracker = new Tracker(o);
  const cuts = new SceneCutDetector({ threshold: o.sceneCutThreshold });
  // Frames wait here for their scene-cut decision, which needs the next frames' thumbs.
  const undecided: Frame[] = [];
  const detecting: Detecting[] = [];
  let sinceDetect = Infinity;

  const next = async (): Promise<TrackedFrame[]> => {
    const job = detecting.shift()!;
    const detections = job.detections ? await job.detections : null;
    signal?.throwIfAborted();
    return tracker.push(job.frame, detections, job.sceneCut);
  };
  /** Starts detection on a frame whose cut decision is in, once a detector slot is free. */
  async function* admit(frame: Frame, sceneCut: boolean): AsyncGenerator<TrackedFrame, void, undefined> {
    while (detecting.length >= o.maxInFlight) yield* await next();
    // Detect on a cut so a new scene's faces are found at once, whatever the interval.
    const due = sceneCut || sinceDetect + 1 >= o.detectEvery;
    sinceDetect = due ? 0 : sinceDetect + 1;
    const detections = due ? detector.detect(frame, signal) : null;
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
    for (const cut of cuts.push(lumaThumb(frame))) yield* admit(undecided.shift()!, cut);
  }
  for (const cut of cuts.flush()) yield* admit(undecided.shift()!, cut);
  while (detecting.length > 0) yield* await next();
  signal?.throwIfAborted();
  yield* tracker.finish();
}
