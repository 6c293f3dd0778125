import * as ort from 'onnxruntime-node';

/**
 * onnxruntime session options for a restorer (the inference worker, and benchmarks that must
 * measure what the pipeline runs).
 *  - graphOptimizationLevel 'all': the NCHWc layout transform makes GPEN's convolutions about 20%
 *    faster on x86 than 'extended'. A model saved with those optimizations applied
 *    (cpu-optimized-model.ts) loads with none: the same graph without the load-time copies.
 *  - no memory pattern: with it the arena keeps a second, pattern-sized block beside the chunks of
 *    the first run (GPEN-512: 2.2 GB instead of 1.4 GB after two runs), for no measurable speed.
 *  - the CPU memory arena stays on: it keeps every activation block
 *    of the largest run for the session's life, but reusing them is what makes runs fast. GPEN-512
 *    standalone on 2 cores: with the arena 1.43–1.65 s a face, peak 1.43–1.53 GB; without it
 *    1.71–2.05 s (every run faults its ~0.8 GB of activations in again), peak 1.28–1.29 GB.
 *  - pool threads do not spin (busy-wait) for work unless asked: spinning threads take the cores
 *    that decoding, detection, blending and encoding need (measured on 2 busy cores: GPEN-256 at
 *    300 ms a face with spinning, 205 ms without).
 */
export function restorerSessionOptions(o: { threads: number; spin?: boolean; providers?: string[]; preOptimized?: boolean }): ort.InferenceSession.SessionOptions {
  const providers = o.providers ?? ['cpu'];
  return {
    executionProviders: providers,
    // A missing provider library is expected on CPU-only machines: we report it once, ourselves.
    logSeverityLevel: providers[0] === 'cpu' ? 2 : 4,
    intraOpNumThreads: o.threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: o.preOptimized ? 'disabled' : 'all',
    enableMemPattern: false,
    enableCpuMemArena: true,
    extra: { session: { intra_op: { allow_spinning: o.spin ? '1' : '0' } } },
  };
}

/**
 * A restorer session on `device` with the CPU behind it; where that provider cannot load, a session
 * on the CPU alone and the first line of why (the caller reports it once).
 */
export async function sessionOnDevice(model: string | Uint8Array, device: string, o: { threads: number; spin?: boolean }): Promise<{ session: ort.InferenceSession; provider: string; fallbackReason: string | null }> {
  const create = (providers: string[]) => (typeof model === 'string' ? ort.InferenceSession.create(model, restorerSessionOptions({ ...o, providers })) : ort.InferenceSession.create(model, restorerSessionOptions({ ...o, providers })));
  if (device === 'cpu') return { session: await create(['cpu']), provider: 'cpu', fallbackReason: null };
  try {
    return { session: await create([device, 'cpu']), provider: device, fallbackReason: null };
  } catch (e) {
    const reason = e instanceof Error ? e.message.split('\n')[0]! : String(e);
    return { session: await create(['cpu']), provider: 'cpu', fallbackReason: reason };
  }
}
