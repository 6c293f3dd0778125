import { rm } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { GpenError } from '../errors.ts';
import { spawnWorker } from '../runtime/spawn-worker.ts';
import { terminateWhenIdle } from '../runtime/terminate-when-idle.ts';
import { waitReady } from '../runtime/wait-ready.ts';
import { addStage, markLast, markStage, measure } from '../runtime/stage-clock.ts';
import type { Affine } from './affine.ts';
import type { Device, Restorer, RestorerInfo, RestorerStats } from './restorer.ts';
import { cpuOptimizedModel, type CpuOptimizedOptions } from './cpu-optimized-model.ts';
import { copyRect, type RgbImage } from './image.ts';
import { warpSourceRect, warpToCrop } from './warp.ts';
import type { InferItem, WorkerInit, WorkerReady, WorkerReply, WorkerRequest } from './worker-protocol.ts';

export interface OnnxRestorerOptions {
  modelPath: string;
  device?: Device;
  /** inference workers, each with its own session (default 1 on CPU, 2 on GPUs) */
  workers?: number;
  /** onnxruntime intra-op threads per worker (default: cores ÷ workers) */
  threads?: number;
  /**
   * Most crops per inference call (default: 1 on CPU, where batching measured slower per face, 8 on
   * GPUs). Queued requests from different frames are coalesced up to this many crops.
   */
  batch?: number;
  /** called once when the requested provider could not be used and the CPU took over */
  onFallback?: (message: string) => void;
  /** let onnxruntime's idle threads busy-wait (default false: they would take CPU from the other stages) */
  spin?: boolean;
  /** the cache of CPU-optimized models (default: ortCacheDir(), models of 16 MiB and more) */
  optimizedCache?: Pick<CpuOptimizedOptions, 'cacheDir' | 'minBytes'>;
  /**
   * Calls a worker may hold at once (default 2): the one it runs and the next, which it starts as
   * soon as the first ends instead of waiting for the calling thread (often busy blending or
   * pasting) to answer and send it. That wait matters most where the model is fast next to the rest
   * of a frame's work, as on a GPU. On 2 CPU cores it measured within the noise either way
   * (GPEN-256, 720p: 1.55× and 1.66× of pure inference with 2, 1.65× and 1.66× with 1).
   */
  perWorker?: number;
  /** see warpOnCaller (default 8; tests set 0: whenever the workers are busy) */
  warpHereRatio?: number;
  /** called with a one-line warning when no optimized copy could be made (the model still loads) */
  onWarning?: (message: string) => void;
  signal?: AbortSignal;
}

/** What restoreFaces returns: the crops the worker warped, and their restorations. */
export interface RestoredFaces {
  inputs: Uint8Array[];
  restored: Uint8Array[];
  /** wall ms the worker spent warping these faces */
  warpMs?: number;
}

interface Job {
  items: InferItem[];
  resolve: (r: RestoredFaces) => void;
  reject: (e: unknown) => void;
}

interface Slot {
  worker: Worker;
  /** the requests posted that the worker has not answered yet, by id (close() waits for them) */
  sent: Map<number, Job[]>;
}

/**
 * The calling thread warps the next faces (see OnnxRestorer.warpHere) when every worker is busy and,
 * from what the workers measured so far, a crop's inference takes more than `ratio` times its warp.
 */
export function warpOnCaller(s: { allBusy: boolean; inferMs: number; crops: number; warpMs: number; warps: number }, ratio = 8): boolean {
  if (!s.allBusy || s.crops === 0 || s.warps === 0) return false;
  return s.inferMs / s.crops > ratio * (s.warpMs / s.warps);
}

/** A Restorer backed by onnxruntime-node sessions in worker threads. */
export class OnnxRestorer implements Restorer {
  private readonly queue: Job[] = [];
  private nextId = 0;
  private closed = false;
  /** total milliseconds spent inside session.run plus tensor conversion, for benchmarks */
  inferMs = 0;
  /** total milliseconds the workers spent warping faces out of frames (restoreFaces) */
  warpMs = 0;
  /** inference calls made, for benchmarks */
  calls = 0;
  /** faces the workers warped, and faces restoreFaces warped on the calling thread (warpHere) */
  private workerWarps = 0;
  callerWarps = 0;
  /** calls posted to a worker while it was still running the one before (perWorker) */
  sentAhead = 0;
  private crops = 0;

  stats(): RestorerStats {
    return { inferMs: this.inferMs, calls: this.calls, crops: this.crops };
  }

  private constructor(
    readonly info: RestorerInfo,
    private readonly slots: Slot[],
    private readonly batchLimit: number,
    private readonly warpHereRatio = 8,
    /** set to 1 on close: the workers skip the requests still queued (WorkerInit.stop) */
    private readonly stop: Int32Array<ArrayBufferLike>,
    private readonly perWorker: number,
  ) {
    for (const slot of slots) slot.worker.on('message', (msg: WorkerReply) => this.onReply(slot, msg));
    for (const slot of slots) slot.worker.on('error', (e) => this.failAll(e));
  }

  static async create(options: OnnxRestorerOptions): Promise<OnnxRestorer> {
    return (await OnnxRestorer.start(options)).ready;
  }

  /**
   * Starts the workers and returns once they exist, while they still load the model: `ready`
   * settles when every one has (or rejects, with the workers ended). The caller can start other
   * work meanwhile (decoding and detecting the first frames), and threads it starts from now on
   * are not the model's.
   */
  static async start(options: OnnxRestorerOptions): Promise<{ ready: Promise<OnnxRestorer> }> {
    const device = options.device ?? 'cpu';
    const count = Math.max(1, options.workers ?? (device === 'cpu' ? 1 : 2));
    const threads = Math.max(1, options.threads ?? Math.floor(availableParallelism() / count));
    // Only the CPU provider runs the saved CPU graph; a GPU provider optimizes for itself at load.
    const optimized = device === 'cpu' ? await cpuOptimizedModel(options.modelPath, { ...options.optimizedCache, ...(options.signal ? { signal: options.signal } : {}) }) : { path: null };
    if (optimized.warning) options.onWarning?.(optimized.warning);
    const stop = new SharedArrayBuffer(4);
    const init: WorkerInit = { modelPath: options.modelPath, optimizedPath: optimized.path, device, intraOpThreads: threads, spin: options.spin ?? false, stop };
    const workers = Array.from({ length: count }, () => spawnWorker(new URL('./infer-worker.ts', import.meta.url), { ...init }));
    const ready = (async () => {
      let readies: WorkerReady[];
      try {
        readies = await Promise.all(workers.map((w) => waitReady<WorkerReady>(w)));
      } catch (e) {
        await Promise.all(workers.map((w) => w.terminate()));
        throw e;
      }
      const first = readies[0]!;
      const failure = readies.find((r) => r.optimizedFailure)?.optimizedFailure;
      if (failure && optimized.path) {
        // The next run makes it again.
        await rm(optimized.path, { force: true });
        options.onWarning?.(`the optimized copy of ${options.modelPath} did not load (${failure}); removed it and loaded the model as it is.`);
      }
      if (first.fallbackReason) {
        options.onFallback?.(`--device ${device} is not available (${first.fallbackReason}); running on the CPU instead. See README, "GPU".`);
      }
      const info: RestorerInfo = {
        size: first.size,
        maxBatch: Math.min(first.maxBatch, Math.max(1, options.batch ?? (device === 'cpu' ? 1 : 8))),
        inputName: first.inputName,
        outputName: first.outputName,
        provider: first.provider,
        workers: count,
      };
      return new OnnxRestorer(info, workers.map((worker) => ({ worker, sent: new Map() })), info.maxBatch, options.warpHereRatio, new Int32Array(stop), Math.max(1, options.perWorker ?? 2));
    })();
    return { ready };
  }

  async restore(crops: Uint8Array[], signal?: AbortSignal): Promise<Uint8Array[]> {
    return (await this.run(crops.map((crop) => ({ crop })), signal)).restored;
  }

  /**
   * Restores the faces of a frame: the worker warps each face through its frame → crop transform
   * (warpToCrop, from a copy of just the rectangle it reads) and restores it, so the main thread
   * does no per-pixel work. Returns the warped crops too (the temporal blend needs them); they are
   * exactly the crops warpToCrop(frame, toCrop, S) gives.
   */
  restoreFaces(frame: RgbImage, toCrops: readonly Affine[], signal?: AbortSignal): Promise<RestoredFaces> {
    const S = this.info.size;
    if (this.warpHere()) {
      // The crops would wait behind the model anyway: warped now, they are ready when a worker frees.
      const t0 = performance.now();
      const crops = measure('align', () => toCrops.map((toCrop) => warpToCrop(frame, toCrop, S)));
      const warpMs = performance.now() - t0;
      this.callerWarps += toCrops.length;
      return this.run(crops.map((crop) => ({ crop })), signal).then((r) => ({ ...r, warpMs }));
    }
    return this.run(
      toCrops.map((toCrop) => {
        const rect = warpSourceRect(frame.width, frame.height, toCrop, S);
        return { source: { ...copyRect(frame, rect), at: [rect[0], rect[1]] }, toCrop };
      }),
      signal,
    );
  }

  /**
   * Whether the calling thread should warp the next faces itself: only while every worker is busy
   * and a crop's inference takes far longer than its warp (GPEN-512 on a CPU: ~1.6 s against
   * ~40 ms). Then a worker's warp would run between two inferences, in series with the model,
   * while the calling thread waits idle; warped here it overlaps the running inference. With a
   * fast model the workers keep the warping, so the calling thread stays free.
   */
  private warpHere(): boolean {
    return warpOnCaller({ allBusy: this.slots.every((s) => s.sent.size > 0), inferMs: this.inferMs, crops: this.crops, warpMs: this.warpMs, warps: this.workerWarps }, this.warpHereRatio);
  }

  private async run(items: InferItem[], signal?: AbortSignal): Promise<RestoredFaces> {
    if (this.closed) throw new GpenError('E_CLOSED', 'restorer is closed', { exitCode: 1 });
    signal?.throwIfAborted();
    const parts: Promise<RestoredFaces>[] = [];
    for (let i = 0; i < items.length; i += this.info.maxBatch) {
      const chunk = items.slice(i, i + this.info.maxBatch);
      parts.push(new Promise((resolve, reject) => this.queue.push({ items: chunk, resolve, reject })));
    }
    this.pump();
    const done = Promise.all(parts).then((p) => ({ inputs: p.flatMap((r) => r.inputs), restored: p.flatMap((r) => r.restored), warpMs: p.reduce((sum, r) => sum + (r.warpMs ?? 0), 0) }));
    if (!signal) return done;
    let onAbort = () => {};
    const abort = new Promise<never>((_, reject) => {
      onAbort = () => reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      return await Promise.race([done, abort]);
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    Atomics.store(this.stop, 0, 1);
    this.failAll(new GpenError('E_CLOSED', 'restorer closed while work was pending', { exitCode: 1 }));
    // Never terminate a worker inside session.run(): that aborts the process (see terminateWhenIdle).
    await Promise.all(this.slots.map((s) => terminateWhenIdle(s.worker, () => s.sent.size === 0)));
  }

  private pump(): void {
    // Fill the least loaded worker first, so that with several an idle one never waits behind a busy one.
    for (let round = 0; round < this.perWorker && this.queue.length > 0; round++) {
      for (const slot of this.slots) {
        if (slot.sent.size > round || this.queue.length === 0) continue;
        // A busy worker gets its next call ahead only when it is a full batch: a smaller one may still
        // grow by the time the worker is free (batches help GPUs most).
        if (round > 0 && this.queue.reduce((n, j) => n + j.items.length, 0) < this.batchLimit) continue;
        if (round > 0) this.sentAhead++;
        // Coalesce queued requests (often from consecutive frames) into one call of up to batchLimit crops.
        const jobs = [this.queue.shift()!];
        let count = jobs[0]!.items.length;
        while (this.queue.length > 0 && count + this.queue[0]!.items.length <= this.batchLimit) {
          const next = this.queue.shift()!;
          jobs.push(next);
          count += next.items.length;
        }
        const msg: WorkerRequest = { type: 'run', id: ++this.nextId, items: jobs.flatMap((j) => j.items) };
        slot.sent.set(msg.id, jobs);
        markStage('first-inference-sent');
        // Crops are copied, not transferred: the caller keeps them (the blend stage reads them again);
        // the frame rectangles were copied for the worker and are handed over.
        slot.worker.postMessage(msg, msg.items.flatMap((item) => ('source' in item ? [item.source.data.buffer as ArrayBuffer] : [])));
      }
    }
  }

  private onReply(slot: Slot, msg: WorkerReply): void {
    if (msg.type === 'ready' || msg.id === null) return;
    const jobs = slot.sent.get(msg.id) ?? [];
    slot.sent.delete(msg.id);
    if (msg.type === 'result') {
      this.inferMs += msg.inferMs;
      this.warpMs += msg.warpMs;
      this.workerWarps += msg.inputs.filter((c) => c !== null).length;
      this.calls++;
      this.crops += msg.crops.length;
      if (msg.warpMs > 0 || Number.isFinite(msg.cpu.align)) addStage('align', msg.warpMs, msg.cpu.align);
      addStage('infer', msg.inferMs, msg.cpu.infer);
      markLast('last-inference-done');
      let at = 0;
      for (const job of jobs) {
        const n = job.items.length;
        job.resolve({
          restored: msg.crops.slice(at, at + n),
          inputs: job.items.map((item, i) => ('crop' in item ? item.crop : msg.inputs[at + i]!)),
          warpMs: (msg.warpMs * n) / Math.max(1, msg.crops.length),
        });
        at += n;
      }
    } else if (msg.type === 'error') {
      for (const job of jobs) job.reject(new GpenError(msg.code, `inference failed: ${msg.message}`, { exitCode: 1 }));
    }
    this.pump();
  }

  private failAll(e: unknown): void {
    // The jobs stay in `sent` until their worker answers (close() waits for that); settling them again then does nothing.
    for (const slot of this.slots) for (const jobs of slot.sent.values()) for (const job of jobs) job.reject(e);
    for (const job of this.queue.splice(0)) job.reject(e);
  }
}
