import { getPriority, setPriority } from 'node:os';

/**
 * The CPU priority split between the model and everything around it.
 *
 * On a CPU, onnxruntime's threads keep every core busy, and its parallel sections end in a barrier
 * where the calling thread spin-waits for the pool's threads. When decoding, detection, blending,
 * pasting or encoding take a core from one of the model's threads at equal priority, the other
 * model thread spins until it gets the core back: each millisecond of that work costs nearly a
 * millisecond of model time instead of half of one. With the work around the model at a higher
 * nice value the kernel runs the model's threads first and fits the rest into their gaps (the
 * queues between the stages absorb the delay).
 *
 * Linux only: there each thread has its own nice value and threads and processes inherit the value
 * of the thread that starts them. Lowering the calling thread after the model's workers exist
 * therefore lowers every thread and ffmpeg process started afterwards (the detector's worker, the
 * post-processing worker, the decoder, the encoder) and leaves the model's threads as they were.
 * Elsewhere setpriority() applies to the whole process, model included, so nothing is changed.
 */
export function lowerCallingThread(by: number): { from: number; to: number } | null {
  if (by <= 0 || process.platform !== 'linux') return null;
  try {
    const from = getPriority(0);
    const to = Math.min(19, from + by);
    if (to === from) return null;
    // pid 0 is the calling thread on Linux (per-thread nice values)
    setPriority(0, to);
    return { from, to };
  } catch {
    // not permitted (a container without the right, a seccomp filter): run at equal priority
    return null;
  }
}
