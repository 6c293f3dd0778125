import type { Device } from './restorer.ts';

export interface WorkerInit {
  modelPath: string;
  device: Device;
  /** onnxruntime intra-op threads for this worker's session */
  intraOpThreads: number;
}

export interface WorkerReady {
  type: 'ready';
  inputName: string;
  outputName: string;
  size: number;
  maxBatch: number;
  provider: string;
  fallbackReason: string | null;
}

export type WorkerRequest = { type: 'run'; id: number; crops: Uint8Array[] };
export type WorkerReply =
  | WorkerReady
  | { type: 'result'; id: number; crops: Uint8Array[]; inferMs: number }
  | { type: 'error'; id: number | null; message: string; code: string };
