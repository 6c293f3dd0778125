import { Queue, type Job } from 'bullmq';
import type { FarmManifest } from './farm-manifest.ts';
import type { FarmJobData, FarmJobResult, FarmProgress } from './job-data.ts';
import { assembleJobId, chunkJobId } from './names.ts';
import { whenReachable } from './redis-reachable.ts';
import { redisConnection } from './redis-url.ts';

export interface StepStatus {
  id: string;
  /** BullMQ's state (waiting, active, delayed = waiting to retry, completed, failed, waiting-children…) or `not-submitted` */
  state: string;
  /** runs that ended, failed or completed (a killed worker's run is not among them) */
  attemptsMade: number;
  /** runs started so far */
  attemptsStarted: number;
  /** times a worker died or hung while running it */
  stalled: number;
  progress: FarmProgress | null;
  /** the worker that ran it last */
  worker: string | null;
  /** why the last run failed */
  reason: string | null;
  /** completed without work: render found the chunk already done */
  skipped: boolean | null;
}

export interface ChunkStatus extends StepStatus {
  chunk: number;
  start: number;
  end: number;
}

export interface FarmStatus {
  jobId: string;
  queue: string;
  output: string;
  chunks: ChunkStatus[];
  assemble: StepStatus;
  /** chunks per state */
  counts: Record<string, number>;
}

/** Reads the state of every job of one submitted plan. */
export async function farmStatus(manifest: FarmManifest, opts: { redis: string; queue: string }): Promise<FarmStatus> {
  const queue = new Queue<FarmJobData, FarmJobResult>(opts.queue, { connection: redisConnection(opts.redis) });
  try {
    await whenReachable(queue, opts.redis);
    const chunks = await Promise.all(
      manifest.chunks.map(async (c) => ({ chunk: c.index, start: c.start, end: c.end, ...(await stepStatus(queue, chunkJobId(manifest.id, c.index))) })),
    );
    const assemble = await stepStatus(queue, assembleJobId(manifest.id));
    const counts: Record<string, number> = {};
    for (const c of chunks) counts[c.state] = (counts[c.state] ?? 0) + 1;
    return { jobId: manifest.id, queue: opts.queue, output: manifest.output, chunks, assemble, counts };
  } finally {
    await queue.close();
  }
}

async function stepStatus(queue: Queue<FarmJobData, FarmJobResult>, id: string): Promise<StepStatus> {
  const job: Job<FarmJobData, FarmJobResult> | undefined = await queue.getJob(id);
  if (!job) return { id, state: 'not-submitted', attemptsMade: 0, attemptsStarted: 0, stalled: 0, progress: null, worker: null, reason: null, skipped: null };
  const state = await job.getState();
  const progress = job.progress && typeof job.progress === 'object' ? (job.progress as unknown as FarmProgress) : null;
  return {
    id,
    state,
    attemptsMade: job.attemptsMade,
    attemptsStarted: job.attemptsStarted,
    stalled: job.stalledCounter,
    progress,
    worker: job.processedBy ?? null,
    reason: job.failedReason || null,
    skipped: state === 'completed' ? (job.returnvalue?.skipped ?? false) : null,
  };
}
