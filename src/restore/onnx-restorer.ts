import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { GpenError } from '../errors.ts';
import { spawnWorker } from '../runtime/spawn-worker.ts';
import { terminateWhenIdle } from '../runtime/terminate-when-idle.ts';
import { waitReady } from '../runtime/wait-ready.ts';
import type { Device, Restorer, RestorerInfo, RestorerStats } from './restorer.ts';
import type { WorkerInit, WorkerReady, WorkerReply, WorkerRequest } from './worker-protocol.ts';

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
}

interface Job {
  crops: Uint8Array[];
  resolve: (crops: Uint8Array[]) => void;
  reject: (e: unknown) => void;
}

interface Slot {
  worker: Worker;
  busy: Job[] | null;
  /** requests posted that the worker has not answered yet (close() waits for them) */
  unanswered: number;
}

/** A Restorer backed by onnxruntime-node sessions in worker threads. */
export class OnnxRestorer implements Restorer {
  private readonly queue: Job[] = [];
  private nextId = 0;
  private closed = false;
  /** total milliseconds spent inside session.run plus tensor conversion, for benchmarks */
  inferMs = 0;
  /** inference calls made, for benchmarks */
  calls = 0;
  private crops = 0;

  stats(): RestorerStats {
    return { inferMs: this.inferMs, calls: this.calls, crops: this.crops };
  }

  private constructor(
    readonly info: RestorerInfo,
    private readonly slots: Slot[],
    private readonly batchLimit: number,
  ) {
    for (const slot of slots) slot.worker.on('message', (msg: WorkerReply) => this.onReply(slot, msg));
    for (const slot of slots) slot.worker.on('error', (e) => this.failAll(e));
  }

  static async create(options: OnnxRestorerOptions): Promise<OnnxRestorer> {
    const device = options.device ?? 'cpu';
    const count = Math.max(1, options.workers ?? (device === 'cpu' ? 1 : 2));
    const threads = Math.max(1, options.threads ?? Math.floor(availableParallelism() / count));
    const init: WorkerInit = { modelPath: options.modelPath, device, intraOpThreads: threads };
    const workers = Array.from({ length: count }, () => spawnWorker(new URL('./infer-worker.ts', import.meta.url), { ...init }));
    let readies: WorkerReady[];
    try {
      readies = await Promise.all(workers.map((w) => waitReady<WorkerReady>(w)));
    } catch (e) {
      await Promise.all(workers.map((w) => w.terminate()));
      throw e;
    }
    const first = readies[0]!;
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
    return new OnnxRestorer(info, workers.map((worker) => ({ worker, busy: null, unanswered: 0 })), info.maxBatch);
  }

  async restore(crops: Uint8Array[], signal?: AbortSignal): Promise<Uint8Array[]> {
    if (this.closed) throw new GpenError('E_CLOSED', 'restorer is closed', { exitCode: 1 });
    signal?.throwIfAborted();
    const parts: Promise<Uint8Array[]>[] = [];
    for (let i = 0; i < crops.length; i += this.info.maxBatch) {
      const chunk = crops.slice(i, i + this.info.maxBatch);
      parts.push(new Promise((resolve, reject) => this.queue.push({ crops: chunk, resolve, reject })));
    }
    this.pump();
    const done = Promise.all(parts).then((p) => p.flat());
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
    this.failAll(new GpenError('E_CLOSED', 'restorer closed while work was pending', { exitCode: 1 }));
    // Never terminate a worker inside session.run(): that aborts the process (see terminateWhenIdle).
    await Promise.all(this.slots.map((s) => terminateWhenIdle(s.worker, () => s.unanswered === 0)));
  }

  private pump(): void {
    for (const slot of this.slots) {
      if (slot.busy || this.queue.length === 0) continue;
      // Coalesce queued requests (often from consecutive frames) into one call of up to batchLimit crops.
      const jobs = [this.queue.shift()!];
      let count = jobs[0]!.crops.length;
      while (this.queue.length > 0 && count + this.queue[0]!.crops.length <= this.batchLimit) {
        const next = this.queue.shift()!;
        jobs.push(next);
        count += next.crops.length;
      }
      slot.busy = jobs;
      slot.unanswered++;
      const msg: WorkerRequest = { type: 'run', id: ++this.nextId, crops: jobs.flatMap((j) => j.crops) };
      // Copies, not transfers: the caller keeps its crops (the blend stage reads them again).
      slot.worker.postMessage(msg);
    }
  }

  private onReply(slot: Slot, msg: WorkerReply): void {
    if (msg.type === 'ready' || msg.id === null) return;
    slot.unanswered--;
    const jobs = slot.busy ?? [];
    slot.busy = null;
    if (msg.type === 'result') {
      this.inferMs += msg.inferMs;
      this.calls++;
      this.crops += msg.crops.length;
      let at = 0;
      for (const job of jobs) {
        job.resolve(msg.crops.slice(at, at + job.crops.length));
        at += job.crops.length;
      }
    } else if (msg.type === 'error') {
      for (const job of jobs) job.reject(new GpenError(msg.code, `inference failed: ${msg.message}`, { exitCode: 1 }));
    }
    this.pump();
  }

  private failAll(e: unknown): void {
    for (const slot of this.slots) {
      for (const job of slot.busy ?? []) job.reject(e);
      slot.busy = null;
    }
    for (const job of this.queue.splice(0)) job.reject(e);
  }
}
