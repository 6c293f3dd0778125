import type { Detector } from '../track/index.ts';

/** Wall time spent per pipeline stage on the main thread (inference is timed by the restorer). */
export class StageTimer {
  readonly ms: Record<string, number> = {};

  time<T>(stage: string, fn: () => T): T {
    const t0 = performance.now();
    try {
      return fn();
    } finally {
      this.ms[stage] = (this.ms[stage] ?? 0) + performance.now() - t0;
    }
  }
}

/** Wraps a detector to add each call's wall time (overlapping calls both count) under 'detect'. */
export function timedDetector(detector: Detector, timer: StageTimer): Detector {
  return {
    async detect(frame, signal) {
      const t0 = performance.now();
      try {
        return await detector.detect(frame, signal);
      } finally {
        timer.ms.detect = (timer.ms.detect ?? 0) + performance.now() - t0;
      }
    },
    close: () => detector.close(),
  };
}
