import type { TemplateName } from '../models/templates.ts';
import { alignmentTransform } from '../restore/align.ts';
import type { Affine } from '../restore/affine.ts';
import { faceMask } from '../restore/mask.ts';
import { pasteCrop } from '../restore/paste.ts';
import type { Restorer } from '../restore/restorer.ts';
import { TemporalBlender } from '../restore/temporal-blend.ts';
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
}

export interface RestoredFrame {
  tracked: TrackedFrame;
  /** faces restored in this frame */
  faces: number;
}

interface Pending {
  tracked: TrackedFrame;
  crops: Array<{ trackId: number; toCrop: Affine; input: Uint8Array }>;
  restored: Promise<Uint8Array[]>;
}

/**
 * The restore stage: aligns every tracked face to the model's template, sends the crops to the
 * restorer without waiting (several frames stay in flight so inference never waits for us), then,
 * in frame order, blends each restored crop with its track's previous one and pastes it back into
 * the frame in place. Frames without faces pass straight through with no inference.
 */
export async function* restoreFrames(tracked: AsyncIterable<TrackedFrame> | Iterable<TrackedFrame>, options: RestoreFramesOptions): AsyncGenerator<RestoredFrame> {
  const { restorer, signal } = options;
  const S = restorer.info.size;
  const depth = Math.max(1, options.depth ?? 2 + restorer.info.workers);
  const timer = options.timer ?? new StageTimer();
  const blender = new TemporalBlender(S, { strength: options.temporalBlend });
  const mask = faceMask(S);
  const pending: Pending[] = [];

  const finish = async (p: Pending): Promise<RestoredFrame> => {
    const restored = await p.restored;
    signal?.throwIfAborted();
    const { frame, faces, sceneCut } = p.tracked;
    if (sceneCut) blender.reset();
    const live = new Set(faces.map((f) => f.trackId));
    for (const id of blender.trackIds()) if (!live.has(id)) blender.forget(id);
    const image = { width: frame.width, height: frame.height, data: frame.data };
    p.crops.forEach((c, i) => {
      const out = timer.time('blend', () => blender.blend(c.trackId, frame.index, c.input, restored[i]!, c.toCrop));
      timer.time('paste', () => pasteCrop(image, { width: S, height: S, data: out }, mask, c.toCrop));
    });
    return { tracked: p.tracked, faces: p.crops.length };
  };

  try {
    for await (const t of tracked) {
      signal?.throwIfAborted();
      const image = { width: t.frame.width, height: t.frame.height, data: t.frame.data };
      const crops = timer.time('align', () =>
        t.faces.map((f) => {
          const toCrop = alignmentTransform(f.landmarks, options.template, S);
          return { trackId: f.trackId, toCrop, input: warpToCrop(image, toCrop, S) };
        }),
      );
      const restored = crops.length > 0 ? restorer.restore(crops.map((c) => c.input), signal) : Promise.resolve([]);
      // a rejection is handled when this frame's turn comes; don't let it surface as unhandled first
      restored.catch(() => undefined);
      pending.push({ tracked: t, crops, restored });
      if (pending.length >= depth) yield await finish(pending.shift()!);
    }
    while (pending.length > 0) yield await finish(pending.shift()!);
  } finally {
    pending.length = 0;
  }
}
