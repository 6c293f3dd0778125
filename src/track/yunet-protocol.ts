import type { Detection } from './detector.ts';
import type { YunetDetectOptions } from './yunet-detect.ts';

export interface YunetWorkerInit {
  modelPath: string;
  intraOpThreads: number;
  detect: YunetDetectOptions;
}

export type YunetRequest = { type: 'detect'; id: number; width: number; height: number; data: Uint8Array };

export type YunetReply =
  | { type: 'ready' }
  | { type: 'result'; id: number; detections: Detection[] }
  | { type: 'error'; id: number | null; message: string; code: string };
