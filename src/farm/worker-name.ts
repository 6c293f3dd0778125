import os from 'node:os';

/** The worker's name reaches its sandboxed processors through this variable. */
export const WORKER_NAME_ENV = 'GPEN_VIDEO_FARM_WORKER';

/** host:pid unless `--name` says otherwise: shown by `farm status` for each chunk. */
export function defaultWorkerName(): string {
  return `${os.hostname()}:${process.pid}`;
}
