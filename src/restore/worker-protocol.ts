import type { Affine } from './affine.ts';
import type { Device } from './restorer.ts';

export interface WorkerInit {
  modelPath: string;
  /** the same model saved with onnxruntime's CPU optimizations applied (cpu-optimized-model.ts), if there is one */
  optimizedPath?: string | null;
  device: Device;
  /** onnxruntime intra-op threads for this worker's session */
  intraOpThreads: number;
  /**
   * let onnxruntime's idle pool threads spin (busy-wait) for work: a little lower latency on an
   * otherwise idle machine, but CPU taken from every other stage of the pipeline (default false)
   */
  spin?: boolean;
  /**
   * One Int32 the restorer sets to 1 when it closes: the worker then answers the requests still
   * waiting in its queue with E_CLOSED instead of running them (a queued GPEN-512 run is 1–2 s of CPU).
   */
  stop?: SharedArrayBuffer;
}

export interface WorkerReady {
  type: 'ready';
  inputName: string;
  outputName: string;
  size: number;
  maxBatch: number;
  provider: string;
  fallbackReason: string | null;
  /** why init.optimizedPath did not load (the original was loaded instead), if it did not */
  optimizedFailure?: string;
}

/** An interleaved RGB image: a rectangle of a frame, with its top-left pixel at `at` in the frame. */
export interface RgbRect {
  width: number;
  height: number;
  data: Uint8Array;
  at: [number, number];
}

/**
 * One face to restore: a ready crop, or the rectangle of its frame that the warp reads
 * (warpSourceRect) and the frame → crop transform the worker warps it with.
 */
export type InferItem = { crop: Uint8Array } | { source: RgbRect; toCrop: Affine };

export type WorkerRequest = { type: 'run'; id: number; items: InferItem[] };

export interface WorkerResult {
  type: 'result';
  id: number;
  /** restored crops, one per item */
  crops: Uint8Array[];
  /** the crops the worker warped, for frame items (null for crop items) */
  inputs: Array<Uint8Array | null>;
  /** wall ms of tensor conversion + model + conversion back */
  inferMs: number;
  /** wall ms spent warping */
  warpMs: number;
  /** CPU ms (NaN unless GPEN_VIDEO_STAGE_CPU=1): warping, and inference including onnxruntime's pool threads */
  cpu: { align: number; infer: number };
}

export type WorkerReply = WorkerReady | WorkerResult | { type: 'error'; id: number | null; message: string; code: string };
