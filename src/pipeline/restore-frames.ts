import { availableParallelism } from 'node:os';
import type { TemplateName } from '../models/templates.ts';
import { alignmentTransform } from '../restore/align.ts';
import type { Affine } from '../restore/affine.ts';
import { copyRect, putRect, type RgbImage } from '../restore/image.ts';
import type { RestoredFaces } from '../restore/onnx-restorer.ts';
import { pasteRect } from '../restore/paste.ts';
import type { PostFace } from '../restore/post-protocol.ts';
import { PostStage, type PostResult } from '../restore/post-stage.ts';
import type { Restorer } from '../restore/restorer.ts';
import { warpToCrop } from '../restore/warp.ts';
import type { TrackedFrame } from '../track/index.ts';
import { StageTimer } from './stage-timer.ts';

export interface RestoreFramesOptions {
  restorer: Restorer;
  template: TemplateName;
  temporalBlend: number;
  signal?: AbortSignal;
  /** frames whose inference may be in flight at once (bounded: memory = depth × frame) */
  depth?: number;
  timer?: StageTimer;
  /**
   * blend and paste in a worker thread of their own (default: where there are more than 2 cores).
   * On 2 cores every thread competes for the same CPU anyway; there the extra thread bought ~10% of
   * identity-restorer fps, nothing with GPEN, and cost ~90 MB of memory (its own heap, and garbage
   * that its collector frees late), so the main thread blends and pastes itself.
   */
  pasteWorker?: boolean;
}

export interface RestoredFrame {
  tracked: TrackedFrame;
  /** faces restored in this frame */
  faces: number;
}

/** A restorer that warps faces out of a frame itself, in its workers (OnnxRestorer). */
interface FaceRestorer extends Restorer {
  restoreFaces(frame: RgbImage, toCrops: readonly Affine[], signal?: AbortSignal): Promise<RestoredFaces>;
}

interface Pending {
  tracked: TrackedFrame;
  faces: number;
  /** resolves once the frame's faces are pasted into its pixels */
  done: Promise<void>;
}

const noop = (): void => {};

/**
 * The restore stage. Every tracked face is aligned to the model's template; the restorer's worker
 * warps the crop out of the frame (from a copy of just the part it reads) and restores it, several
 * frames in flight so inference never waits for us. As each frame's restorations arrive, in frame
 * order, they go to the paste stage (restore/post-stage.ts) with a copy of the part of the frame
 * the pastes may write; it blends each face with its track's previous one, pastes it, and the part
 * is written back into the frame. With a paste worker (see pasteWorker) the main thread only routes
 * buffers and copies rectangles. Frames come out in order, restored in place. Frames without faces
 * pass straight through with no inference.
 *
 * The output does not depend on timing or on the number of workers: each frame's crops and
 * restorations depend only on that frame (batching across frames only where the restorer's batch
 * is above 1), the blend and the pastes run strictly in frame order in one thread, and the
 * rectangles give exactly what warping from and pasting into the whole frame gives.
 */
export async function* restoreFrames(tracked: AsyncIterable<TrackedFrame> | Iterable<TrackedFrame>, options: RestoreFramesOptions): AsyncGenerator<RestoredFrame> {
  const { restorer, signal } = options;
  const S = restorer.info.size;
  const depth = Math.max(1, options.depth ?? 2 + restorer.info.workers);
  const timer = options.timer ?? new StageTimer();
  const faceRestorer = typeof (restorer as Partial<FaceRestorer>).restoreFaces === 'function' ? (restorer as FaceRestorer) : null;
  const pending: Pending[] = [];
  // Started at the first frame with faces; until then the blender has nothing to forget.
  let post: Promise<PostStage> | null = null;
  // Settles once the previous frame has been handed to the paste worker: frames go in order.
  let sent: Promise<unknown> = Promise.resolve();

  const restoreCrops = async (frame: RgbImage, toCrops: Affine[]): Promise<RestoredFaces> => {
    if (faceRestorer) {
      const r = await faceRestorer.restoreFaces(frame, toCrops, signal);
      timer.add('align', r.warpMs ?? 0);
      return r;
    }
    // Any other Restorer takes ready crops: warp them here.
    const inputs = timer.time('align', () => toCrops.map((m) => warpToCrop(frame, m, S)));
    return { inputs, restored: await restorer.restore(inputs, signal) };
  };

  const admit = (t: TrackedFrame): Pending => {
    const { frame, faces, sceneCut } = t;
    const live = faces.map((f) => f.trackId);
    if (faces.length === 0) {
      // Nothing to restore; the paste worker (if started) still learns of the cut and the departures.
      const ready = post;
      const done = (sent = sent.then(() => (ready ? ready.then((p) => p.process({ index: frame.index, sceneCut, live, frame: null, faces: [] })) : undefined)));
      return { tracked: t, faces: 0, done: done.then(noop) };
    }
    const toCrops = timer.time('align', () => faces.map((f) => alignmentTransform(f.landmarks, options.template, S)));
    // Workers get copies of the parts of the frame they need (restoreFaces makes the warp's), taken
    // now, before any of this frame's pastes.
    const restored = restoreCrops(frame, toCrops);
    restored.catch(noop);
    const rects = toCrops.map((m) => pasteRect(frame.width, frame.height, S, m));
    const rect: [number, number, number, number] = [
      Math.min(...rects.map((r) => r[0])),
      Math.min(...rects.map((r) => r[1])),
      Math.max(...rects.map((r) => r[2])),
      Math.max(...rects.map((r) => r[3])),
    ];
    const ready = (post ??= PostStage.create({ size: S, strength: options.temporalBlend }, { inline: !(options.pasteWorker ?? availableParallelism() > 2) }));
    ready.catch(noop);
    let reply: Promise<PostResult> | null = null;
    sent = sent.then(async () => {
      const r = await restored;
      const stage = await ready;
      const postFaces: PostFace[] = faces.map((f, i) => ({ trackId: f.trackId, toCrop: toCrops[i]!, input: r.inputs[i]!, restored: r.restored[i]!, seen: f.raw !== null }));
      const part = { ...copyRect(frame, rect), at: [rect[0], rect[1]] as [number, number] };
      reply = stage.process({ index: frame.index, sceneCut, live, frame: part, faces: postFaces });
      reply.catch(noop);
    });
    const done = sent.then(async () => {
      const { frame: part, blendMs, pasteMs } = await reply!;
      timer.add('blend', blendMs);
      timer.add('paste', pasteMs);
      putRect(frame, part!, rect[0], rect[1]);
    });
    return { tracked: t, faces: faces.length, done };
  };

  const finish = async (p: Pending): Promise<RestoredFrame> => {
    await p.done;
    signal?.throwIfAborted();
    return { tracked: p.tracked, faces: p.faces };
  };

  try {
    for await (const t of tracked) {
      signal?.throwIfAborted();
      const p = admit(t);
      // a rejection is handled when this frame's turn comes; don't let it surface as unhandled first
      p.done.catch(noop);
      pending.push(p);
      if (pending.length >= depth) yield await finish(pending.shift()!);
    }
    while (pending.length > 0) yield await finish(pending.shift()!);
  } finally {
    pending.length = 0;
    sent.catch(noop);
    const started = post as Promise<PostStage> | null; // assigned in admit(), which TypeScript does not follow
    if (started) await started.then((p) => p.close(), noop);
  }
}
