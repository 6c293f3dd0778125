/** What a farm job carries in Redis: enough for any worker to run the step from shared storage. */
export interface ChunkJobData {
  kind: 'chunk';
  /** absolute path of the job manifest, the same on every machine */
  jobFile: string;
  jobId: string;
  chunk: number;
  /** frame range, for status only (the manifest is the truth) */
  start: number;
  end: number;
}

export interface AssembleJobData {
  kind: 'assemble';
  jobFile: string;
  jobId: string;
  chunks: number;
}

export type FarmJobData = ChunkJobData | AssembleJobData;

/** Progress as `render --progress json` reports it, stored on the BullMQ job. */
export interface FarmProgress {
  frame: number;
  total: number | null;
  fps: number | null;
  eta_s: number | null;
  faces: number | null;
}

/** A finished step's return value. */
export interface FarmJobResult {
  kind: FarmJobData['kind'];
  /** the chunk was already rendered and valid, so render did nothing */
  skipped: boolean;
  /** the final JSON line of the step, when it printed one */
  summary: Record<string, unknown> | null;
  worker: string;
  seconds: number;
}
