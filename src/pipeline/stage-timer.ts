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
