import { stopwatch } from '../runtime/stage-clock.ts';
import { scaleOf } from './affine.ts';
import { faceMask } from './mask.ts';
import { pasteCrop } from './paste.ts';
import type { PostFace, PostInit, PostRequest } from './post-protocol.ts';
import { TemporalBlender } from './temporal-blend.ts';

export interface PostTimes {
  blendMs: number;
  pasteMs: number;
  /** CPU ms of this thread (NaN unless GPEN_VIDEO_STAGE_CPU=1) */
  cpu: { blend: number; paste: number };
}

/**
 * The temporal blend and the paste of one frame after another (frames must come in order): the
 * blender forgets what the frame says is gone (a scene cut, tracks no longer present), then each
 * face is blended with its track's past and pasted into the frame rectangle, in place.
 *
 * Faces are pasted back to front, so where two overlap the one in front is pasted last and its
 * restoration is what shows: first the faces the detector did not find in this frame (carried
 * through a gap by the tracker, most often because something hides them), then the others from
 * the smallest in the frame to the largest (the larger of two overlapping faces is nearly always
 * the nearer one). Pasted the other way, a hidden face's crop paints its restorer's guess of the
 * occluder over the visible face, a guess that flickers as the hidden face's landmarks wander.
 */
export class PostProcessor {
  private readonly blender: TemporalBlender;
  private readonly mask: Float32Array;

  constructor(private readonly init: PostInit) {
    this.blender = new TemporalBlender(init.size, { strength: init.strength });
    this.mask = faceMask(init.size);
  }

  process(req: Omit<PostRequest, 'type' | 'id'>): PostTimes {
    const S = this.init.size;
    const blender = this.blender;
    if (req.sceneCut) blender.reset();
    const live = new Set(req.live);
    for (const id of blender.trackIds()) if (!live.has(id)) blender.forget(id);
    const t: PostTimes = { blendMs: 0, pasteMs: 0, cpu: { blend: 0, paste: 0 } };
    for (const f of backToFront(req.faces)) {
      const b = stopwatch();
      const out = blender.blend(f.trackId, req.index, f.input, f.restored, f.toCrop);
      const blended = b();
      const p = stopwatch();
      pasteCrop(req.frame!, { width: S, height: S, data: out }, this.mask, f.toCrop, req.frame!.at);
      const pasted = p();
      t.blendMs += blended.wallMs;
      t.cpu.blend += blended.cpuMs;
      t.pasteMs += pasted.wallMs;
      t.cpu.paste += pasted.cpuMs;
    }
    return t;
  }
}

/** Unseen faces first, then the smallest in the frame (the largest crop scale) first; ties by track. */
function backToFront(faces: readonly PostFace[]): PostFace[] {
  return faces
    .map((f) => ({ f, scale: scaleOf(f.toCrop) }))
    .sort((a, b) => Number(a.f.seen) - Number(b.f.seen) || b.scale - a.scale || a.f.trackId - b.f.trackId)
    .map((e) => e.f);
}
