import type { Worker } from 'node:worker_threads';
import { GpenError } from '../errors.ts';
import { locateModel, resolveModelsDir } from '../models/models-dir.ts';
import { spawnWorker } from '../runtime/spawn-worker.ts';
import { addStage } from '../runtime/stage-clock.ts';
import { terminateWhenIdle } from '../runtime/terminate-when-idle.ts';
import { waitReady } from '../runtime/wait-ready.ts';
import type { Detection, Detector } from './detector.ts';
import type { Box, RgbImage } from './types.ts';
import type { YunetDetectOptions } from './yunet-detect.ts';
import type { YunetReply, YunetRequest, YunetWorkerInit } from './yunet-protocol.ts';

export interface YunetDetectorOptions extends YunetDetectOptions {
  /** the .onnx file; default: the installed `yunet` model in the models directory */
  modelPath?: string;
  /** models directory to look in when modelPath is not given (default: resolveModelsDir()) */
  modelsDir?: string;
  /** worker threads, each with its own session (default 1: YuNet is small) */
  workers?: number;
  /** onnxruntime intra-op threads per worker (default 1, leaving the cores to GPEN) */
  threads?: number;
}

/** Returned frame copies kept for reuse: more than the requests a tracker keeps in flight. */
const SPARE_BUFFERS = 4;

interface Pending {
  resolve: (d: Detection[]) => void;
  reject: (e: unknown) => void;
  slot: Slot;
}

interface Slot {
  worker: Worker;
  inFlight: number;
  /** requests posted that the worker has not answered yet, aborted ones included (close() waits for them) */
  unanswered: number;
}

/** The YuNet face detector, run in worker threads; see yunet-detect.ts for what one call does. */
export class YunetDetector implements Detector {
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private closed = false;
  /** why a worker died, if one did: every later call fails with it instead of hanging */
  private broken: unknown = null;
  /**
   * Frame copies the workers handed back, for the next requests: a fresh buffer per frame (6 MB at
   * 1080p) costs an allocation, fresh zeroed pages from the kernel and a free in the worker's
   * isolate on top of the copy itself.
   */
  private readonly spare: ArrayBuffer[] = [];

  private constructor(private readonly slots: Slot[]) {
    for (const slot of slots) {
      slot.worker.on('message', (msg: YunetReply) => {
        if (msg.type !== 'ready' && msg.id !== null) slot.unanswered--;
        this.onReply(msg);
      });
      slot.worker.on('error', (e) => this.fail(e));
      slot.worker.on('exit', (code) => {
        if (!this.closed) this.fail(new GpenError('E_DETECTOR_EXIT', `the face detector's worker thread stopped (exit code ${code})`, { exitCode: 1 }));
      });
    }
  }

  static async create(options: YunetDetectorOptions = {}): Promise<YunetDetector> {
    const modelPath = options.modelPath ?? locateModel('yunet', resolveModelsDir({ cliDir: options.modelsDir }));
    const detect: YunetDetectOptions = {
      maxSide: options.maxSide,
      coarseSide: options.coarseSide,
      scoreThreshold: options.scoreThreshold,
      nmsThreshold: options.nmsThreshold,
      refineBelow: options.refineBelow,
      refineTarget: options.refineTarget,
      refineMax: options.refineMax,
    };
    const init: YunetWorkerInit = { modelPath, intraOpThreads: Math.max(1, options.threads ?? 1), detect };
    const count = Math.max(1, options.workers ?? 1);
    const workers = Array.from({ length: count }, () => spawnWorker(new URL('./yunet-worker.ts', import.meta.url), { ...init }));
    try {
      await Promise.all(workers.map((w) => waitReady(w, 'cannot load the YuNet face detector: ')));
    } catch (e) {
      await Promise.all(workers.map((w) => w.terminate()));
      throw e;
    }
    return new YunetDetector(workers.map((worker) => ({ worker, inFlight: 0, unanswered: 0 })));
  }

  detect(frame: RgbImage, signal?: AbortSignal): Promise<Detection[]> {
    return this.request(frame, undefined, signal);
  }

  /**
   * Detects faces only around `near` (source-pixel boxes where faces are expected): for a face
   * inside them the result equals detect()'s, at a fraction of the cost on a large frame; faces
   * elsewhere are not found. An empty `near` finds nothing.
   */
  detectNear(frame: RgbImage, near: readonly Box[], signal?: AbortSignal): Promise<Detection[]> {
    return this.request(frame, near.map((b) => [...b] as Box), signal);
  }

  private request(frame: RgbImage, near: Box[] | undefined, signal?: AbortSignal): Promise<Detection[]> {
    if (this.closed) return Promise.reject(new GpenError('E_CLOSED', 'detector is closed', { exitCode: 1 }));
    if (this.broken) return Promise.reject(this.broken);
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (frame.data.length !== frame.width * frame.height * 3) {
      return Promise.reject(new RangeError(`frame data has ${frame.data.length} bytes, expected ${frame.width}×${frame.height}×3`));
    }
    const slot = this.slots.reduce((a, b) => (b.inFlight < a.inFlight ? b : a));
    const id = ++this.nextId;
    return new Promise<Detection[]>((resolve, reject) => {
      const onAbort = () => {
        this.pending.delete(id);
        slot.inFlight--;
        reject(signal!.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const done = () => signal?.removeEventListener('abort', onAbort);
      this.pending.set(id, {
        slot,
        resolve: (d) => (done(), resolve(d)),
        reject: (e) => (done(), reject(e)),
      });
      slot.inFlight++;
      // A private copy of exactly the view, transferred: the caller may reuse its buffer at once.
      const data = this.copyOf(frame.data);
      const msg: YunetRequest = { type: 'detect', id, width: frame.width, height: frame.height, data, ...(near ? { near } : {}) };
      slot.unanswered++;
      slot.worker.postMessage(msg, [data.buffer as ArrayBuffer]);
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.failAll(new GpenError('E_CLOSED', 'detector closed while detections were pending', { exitCode: 1 }));
    // Never terminate a worker inside session.run(): that aborts the process (see terminateWhenIdle).
    await Promise.all(this.slots.map((s) => terminateWhenIdle(s.worker, () => s.unanswered === 0)));
  }

  private copyOf(src: Uint8Array): Uint8Array {
    const i = this.spare.findIndex((b) => b.byteLength === src.length);
    if (i < 0) return new Uint8Array(src);
    const out = new Uint8Array(this.spare.splice(i, 1)[0]!);
    out.set(src);
    return out;
  }

  private onReply(msg: YunetReply): void {
    if (msg.type === 'ready') return;
    if (msg.data && msg.data.byteLength === msg.data.buffer.byteLength) {
      // a few are enough for the requests in flight; the oldest goes first (a new frame size)
      this.spare.push(msg.data.buffer as ArrayBuffer);
      if (this.spare.length > SPARE_BUFFERS) this.spare.shift();
    }
    if (msg.id === null) return;
    const job = this.pending.get(msg.id);
    if (!job) return; // aborted: the slot was already released
    this.pending.delete(msg.id);
    job.slot.inFlight--;
    if (msg.type === 'result') {
      addStage('detect', msg.wallMs, msg.cpuMs);
      job.resolve(msg.detections);
    }
    else job.reject(new GpenError(msg.code, `face detection failed: ${msg.message}`, { exitCode: 1 }));
  }

  private fail(e: unknown): void {
    this.broken ??= e;
    this.failAll(e);
  }

  private failAll(e: unknown): void {
    for (const job of this.pending.values()) {
      job.slot.inFlight--;
      job.reject(e);
    }
    this.pending.clear();
  }
}

/** Loads YuNet into a worker thread: `YunetDetector.create` for callers that want a plain Detector. */
export function createYunetDetector(options: YunetDetectorOptions = {}): Promise<Detector> {
  return YunetDetector.create(options);
}
