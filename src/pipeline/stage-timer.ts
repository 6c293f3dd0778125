import { measure } from '../runtime/stage-clock.ts';
import type { Detector } from '../track/index.ts';
import type { Box } from '../track/types.ts';

/**
 * Wall time per pipeline stage of one run, wherever the stage runs (inference is timed by the
 * restorer). Stages timed here on the calling thread are also added to the process-wide totals of
 * runtime/stage-clock.ts, which benchmarks read for CPU time per stage.
 */
export class StageTimer {
  readonly ms: Record<string, number> = {};

  time<T>(stage: string, fn: () => T): T {
    const t0 = performance.now();
    try {
      return measure(stage, fn);
    } finally {
      this.add(stage, performance.now() - t0);
    }
  }

  /** Adds time measured elsewhere (a worker thread). */
  add(stage: string, ms: number): void {
    this.ms[stage] = (this.ms[stage] ?? 0) + ms;
  }
}

/** A detector that can also look only near given boxes (see YunetDetector.detectNear). */
interface NearDetector extends Detector {
  detectNear(frame: Parameters<Detector['detect']>[0], near: readonly Box[], signal?: AbortSignal): ReturnType<Detector['detect']>;
}

/** Wraps a detector to add each call's wall time (overlapping calls both count) under 'detect'. */
export function timedDetector(detector: Detector, timer: StageTimer): Detector {
  const timed = async <T>(call: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    try {
      return await call();
    } finally {
      timer.add('detect', performance.now() - t0);
    }
  };
  const near = detector as Partial<NearDetector>;
  const wrapped: Detector & Partial<NearDetector> = {
    detect: (frame, signal) => timed(() => detector.detect(frame, signal)),
    close: () => detector.close(),
  };
  if (typeof near.detectNear === 'function') wrapped.detectNear = (frame, boxes, signal) => timed(() => near.detectNear!.call(detector, frame, boxes, signal));
  return wrapped;
}
