import type * as ort from 'onnxruntime-node';

/**
 * onnxruntime session options for a restorer (the inference worker, and benchmarks that must
 * measure what the pipeline runs).
 *  - graphOptimizationLevel 'all': the NCHWc layout transform makes GPEN's convolutions about 20%
 *    faster on x86 than 'extended' (at ~300 MB more memory for GPEN-512).
 *  - no memory pattern: with it the arena keeps a second, pattern-sized block beside the chunks of
 *    the first run (GPEN-512: 2.2 GB instead of 1.4 GB after two runs), for no measurable speed.
 *  - no CPU memory arena (unless `arena`): the arena keeps every activation block of the largest
 *    run for the session's life; without it they go back to the allocator after each run (GPEN-512
 *    standalone, 2 runs: peak 1.56 GB and 1.56 GB held with the arena, peak 1.31 GB and 0.64 GB
 *    held without; peak RSS of a 1080p restore 1.84 → 1.71 GB).
 *  - pool threads do not spin (busy-wait) for work unless asked: spinning threads take the cores
 *    that decoding, detection, blending and encoding need (measured on 2 busy cores: GPEN-256 at
 *    300 ms a face with spinning, 205 ms without).
 */
export function restorerSessionOptions(o: { threads: number; spin?: boolean; arena?: boolean; providers?: string[] }): ort.InferenceSession.SessionOptions {
  const providers = o.providers ?? ['cpu'];
  return {
    executionProviders: providers,
    // A missing provider library is expected on CPU-only machines: we report it once, ourselves.
    logSeverityLevel: providers[0] === 'cpu' ? 2 : 4,
    intraOpNumThreads: o.threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    enableMemPattern: false,
    enableCpuMemArena: o.arena ?? false,
    extra: { session: { intra_op: { allow_spinning: o.spin ? '1' : '0' } } },
  };
}
