/** What every restorer backend (CPU, CUDA, TensorRT, test fakes) tells the pipeline about itself. */
export interface RestorerInfo {
  /** crop side S the model takes and returns */
  size: number;
  /** largest batch per call; 1 for fixed-batch exports */
  maxBatch: number;
  inputName: string;
  outputName: string;
  /** execution provider actually in use, after any fallback */
  provider: string;
  /** number of inference workers */
  workers: number;
}

/**
 * Restores aligned face crops. Crops are RGB, interleaved (HWC), 8-bit, S×S; the backend does
 * the model's normalisation off the main thread. The returned crops are new buffers.
 */
export interface RestorerStats {
  /** milliseconds inside the backend (tensor conversion + model), summed over calls */
  inferMs: number;
  calls: number;
  crops: number;
}

export interface Restorer {
  readonly info: RestorerInfo;
  stats(): RestorerStats;
  restore(crops: Uint8Array[], signal?: AbortSignal): Promise<Uint8Array[]>;
  close(): Promise<void>;
}

export type Device = 'cpu' | 'cuda' | 'tensorrt' | 'coreml' | 'dml';
