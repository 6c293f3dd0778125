import { setFlagsFromString } from 'node:v8';

/**
 * How far V8 lets a JS heap grow past its live size before the next full collection, in percent.
 *
 * The pipeline's JS heaps are small (the main thread keeps ~14 MB live) but busy: young garbage
 * every frame, and ArrayBuffers (crops, frame rectangles) that live through a few frames in the
 * stages' queues. V8 counts such buffers' memory toward the old generation's limit, and with its
 * own growth factor at this size (~1.4) that limit is only ~24 MB above the live heap, so a full
 * mark-compact ran about every second frame, its marking threads and write barriers competing with
 * the stages for the same cores. With the heap allowed to triple, a 4-s 720p identity run did
 * 19–21 mark-compacts on the main thread instead of 49–57 (8–12 together with the decoder's
 * FramePool), for ~25 MB more RSS. The live heaps stay the same; garbage is collected less often.
 */
export const HEAP_GROWING_PERCENT = 200;

let done = false;

/**
 * Sets V8's heap growth for this process (every isolate in it, so the worker threads too), once.
 * Returns whether it was set: a `--heap-growing-percent` given to node (NODE_OPTIONS or the command
 * line) is the user's choice and is left alone.
 */
export function widenHeapGrowth(percent: number = HEAP_GROWING_PERCENT): boolean {
  if (done) return false;
  done = true;
  const given = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
  if (given.some((a) => /^--heap[-_]growing[-_]percent\b/.test(a))) return false;
  setFlagsFromString(`--heap-growing-percent=${percent}`);
  return true;
}
