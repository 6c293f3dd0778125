import type { Detection } from './detector.ts';
import type { Box } from './types.ts';
import type { YunetDetectOptions } from './yunet-detect.ts';

export interface YunetWorkerInit {
  modelPath: string;
  intraOpThreads: number;
  detect: YunetDetectOptions;
}

/** `near`: look only around these boxes (see detectPyramid). */
export type YunetRequest = { type: 'detect'; id: number; width: number; height: number; data: Uint8Array; near?: Box[] };

/** A result or error hands the request's `data` back (transferred), so the detector reuses its buffer. */
export type YunetReply =
  | { type: 'ready' }
  /** wallMs/cpuMs: the worker's time on this request (cpuMs NaN unless GPEN_VIDEO_STAGE_CPU=1) */
  | { type: 'result'; id: number; detections: Detection[]; wallMs: number; cpuMs: number; data: Uint8Array }
  /** `data`: the request's pixels, handed back for reuse (absent where no request is answered) */
  | { type: 'error'; id: number | null; message: string; code: string; data?: Uint8Array };
