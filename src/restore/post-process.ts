import { stopwatch } from '../runtime/stage-clock.ts';
import { faceMask } from './mask.ts';
import { pasteCrop } from './paste.ts';
import type { PostInit, PostRequest } from './post-protocol.ts';
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
    for (const f of req.faces) {
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
