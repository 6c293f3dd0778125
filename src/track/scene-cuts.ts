import { thumbDistance, type Thumb } from './thumb.ts';

export interface SceneCutOptions {
  /** thumb distance above which content counts as new (default 0.5); 0 turns cut detection off */
  threshold?: number;
  /** recent frames a new frame must differ from (default 6) */
  history?: number;
  /** following frames that must differ from them too (default 2) */
  confirm?: number;
}

/** Below this luma contrast (0–255) a frame is too flat to compare: black, white, mid-fade. */
const FLAT_CONTRAST = 4;

/**
 * Streaming scene-cut detector. A frame starts a new scene when it differs from each of the last
 * few frames of the current scene, and so do the next ones: a flash, an explosion or a light
 * that blinks for a frame or two looks different only briefly, and blinking content soon
 * resembles a recent frame again. Thumbs are contrast-normalised (flicker, fades) and compared
 * at the best small global shift (pans). Decisions come out `confirm` frames late, in order.
 */
export class SceneCutDetector {
  private readonly threshold: number;
  private readonly history: number;
  private readonly confirm: number;
  private past: Thumb[] = [];
  private readonly waiting: Thumb[] = [];

  constructor(options: SceneCutOptions = {}) {
    this.threshold = options.threshold ?? 0.5;
    this.history = Math.max(1, options.history ?? 6);
    this.confirm = Math.max(0, options.confirm ?? 2);
  }

  /** Adds the next frame's thumb; returns the decisions that became possible (oldest first). */
  push(thumb: Thumb): boolean[] {
    this.waiting.push(thumb);
    const out: boolean[] = [];
    while (this.waiting.length > this.confirm) out.push(this.decide());
    return out;
  }

  /** Decides the frames still waiting, at the end of the stream. */
  flush(): boolean[] {
    const out: boolean[] = [];
    while (this.waiting.length > 0) out.push(this.decide());
    return out;
  }

  private decide(): boolean {
    const thumb = this.waiting.shift()!;
    if (thumb.contrast < FLAT_CONTRAST) return false;
    const cut = this.threshold > 0 && this.isNew(thumb) && this.waiting.every((next) => next.contrast < FLAT_CONTRAST || this.isNew(next));
    if (cut) this.past = [];
    this.past.push(thumb);
    if (this.past.length > this.history) this.past.shift();
    return cut;
  }

  private isNew(thumb: Thumb): boolean {
    if (this.past.length === 0) return false;
    // The latest frame is nearly always the closest: checking it first keeps the usual case cheap.
    for (let i = this.past.length - 1; i >= 0; i--) {
      if (thumbDistance(this.past[i]!, thumb) <= this.threshold) return false;
    }
    return true;
  }
}
