import { Worker, type WorkerOptions } from 'node:worker_threads';

const bootUrl = new URL('./worker-boot.mjs', import.meta.url);

/** Starts a worker thread whose entry module may be TypeScript (see worker-boot.mjs). */
export function spawnWorker(entry: URL, workerData: Record<string, unknown> = {}, options: WorkerOptions = {}): Worker {
  return new Worker(bootUrl, { ...options, workerData: { ...workerData, __entry: entry.href } });
}
