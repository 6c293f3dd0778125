import { openSync, readSync } from 'node:fs';

/**
 * Per-stage time accounting shared by the pipeline's threads. Wall time is always counted; CPU time
 * of the calling thread (from /proc/thread-self/schedstat, nanoseconds) only when
 * GPEN_VIDEO_STAGE_CPU=1, as benchmarks set it: reading it costs a few microseconds per call.
 * Each thread has its own totals; workers report theirs with each reply and the main thread adds
 * them to its own (see addStage), so the main thread's totals cover the whole process.
 */
export const stageCpuEnabled = process.env.GPEN_VIDEO_STAGE_CPU === '1';

export interface StageTotals {
  /** wall milliseconds per stage, summed over calls (calls on different threads may overlap) */
  wallMs: Record<string, number>;
  /** CPU milliseconds per stage, summed over the threads that did the work (benchmarks only) */
  cpuMs: Record<string, number>;
}

/** This thread's running totals. */
export const stageTotals: StageTotals = { wallMs: {}, cpuMs: {} };

let schedstatUsable = stageCpuEnabled;

/**
 * Open schedstat files, by path: reading one again from offset 0 regenerates it, which costs a
 * quarter of an open-read-close (3 µs against 14 per call here). Per isolate, so per thread:
 * `/proc/thread-self` names the thread that opened it.
 */
const schedstatFds = new Map<string, number>();
const schedstatBuf = Buffer.alloc(64);

/** CPU time of a thread in milliseconds (default: the calling one), or NaN where it cannot be read. */
export function threadCpuMs(tid?: string): number {
  if (!schedstatUsable) return Number.NaN;
  const path = tid ? `/proc/self/task/${tid}/schedstat` : '/proc/thread-self/schedstat';
  try {
    let fd = schedstatFds.get(path);
    if (fd === undefined) schedstatFds.set(path, (fd = openSync(path, 'r')));
    const n = readSync(fd, schedstatBuf, 0, schedstatBuf.length, 0);
    const end = schedstatBuf.indexOf(32);
    return Number(schedstatBuf.toString('latin1', 0, end >= 0 && end < n ? end : n)) / 1e6;
  } catch {
    if (!tid) schedstatUsable = false;
    return Number.NaN;
  }
}

export function addStage(stage: string, wallMs: number, cpuMs = Number.NaN, totals: StageTotals = stageTotals): void {
  totals.wallMs[stage] = (totals.wallMs[stage] ?? 0) + wallMs;
  if (Number.isFinite(cpuMs)) totals.cpuMs[stage] = (totals.cpuMs[stage] ?? 0) + cpuMs;
}

/** Runs fn, adding its wall (and, when enabled, this thread's CPU) time to `stage`. */
export function measure<T>(stage: string, fn: () => T, totals: StageTotals = stageTotals): T {
  const c0 = stageCpuEnabled ? threadCpuMs() : Number.NaN;
  const t0 = performance.now();
  try {
    return fn();
  } finally {
    addStage(stage, performance.now() - t0, stageCpuEnabled ? threadCpuMs() - c0 : Number.NaN, totals);
  }
}

/** A stopwatch for work done in one thread and reported elsewhere: wall and CPU since start. */
export function stopwatch(): () => { wallMs: number; cpuMs: number } {
  const c0 = stageCpuEnabled ? threadCpuMs() : Number.NaN;
  const t0 = performance.now();
  return () => ({ wallMs: performance.now() - t0, cpuMs: stageCpuEnabled ? threadCpuMs() - c0 : Number.NaN });
}

/** Moments of note in this thread (performance.now()), e.g. 'models-ready': the first time each was marked. */
export const stageMarks: Record<string, number> = {};

export function markStage(name: string): void {
  stageMarks[name] ??= performance.now();
}

/** Marks `name` again each time: the last moment it happened. */
export function markLast(name: string): void {
  stageMarks[name] = performance.now();
}
