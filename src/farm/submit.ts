import { FlowProducer, Queue, type JobsOptions } from 'bullmq';
import { TransientError } from '../errors.ts';
import type { FarmManifest } from './farm-manifest.ts';
import type { AssembleJobData, ChunkJobData } from './job-data.ts';
import { assembleJobId, chunkJobId } from './names.ts';
import { whenReachable } from './redis-reachable.ts';
import { redisConnection } from './redis-url.ts';

export interface SubmitOptions {
  redis: string;
  queue: string;
  /** runs per job before it fails for good (transient failures and bugs) */
  attempts: number;
  /** first retry delay; each further retry waits twice as long */
  backoffMs: number;
  /** when this job was submitted before and failed, drop its jobs and enqueue it afresh */
  retryFailed?: boolean;
}

export interface SubmitResult {
  jobId: string;
  queue: string;
  chunks: number;
  /** false: this job was submitted before and nothing was added */
  created: boolean;
  /** a failed earlier submission was replaced (--retry) */
  replaced: boolean;
  /** the assemble job's state */
  state: string;
}

/**
 * Enqueues one BullMQ flow: an `assemble` parent that runs once every `chunk` child completed.
 * Ids come from the job's content hash, so a second submit of the same plan adds nothing.
 */
export async function submitJob(manifest: FarmManifest, opts: SubmitOptions): Promise<SubmitResult> {
  const connection = redisConnection(opts.redis);
  const queue = new Queue(opts.queue, { connection });
  const flows = new FlowProducer({ connection });
  try {
    await Promise.all([whenReachable(queue, opts.redis), whenReachable(flows, opts.redis)]);
    const parentId = assembleJobId(manifest.id);
    const base = { jobId: manifest.id, queue: opts.queue, chunks: manifest.chunks.length };
    const existing = await queue.getJob(parentId);
    let replaced = false;
    if (existing) {
      const state = await existing.getState();
      if (!(opts.retryFailed && state === 'failed')) return { ...base, created: false, replaced, state };
      // Chunks that did render are skipped by `render` within seconds, so starting the whole flow
      // again costs little and needs none of BullMQ's per-job retry bookkeeping across a flow.
      if ((await queue.remove(parentId, { removeChildren: true })) !== 1) {
        throw new TransientError('E_FARM_BUSY', `job ${manifest.id} on queue "${opts.queue}" still has running chunks; wait for them (farm status) and submit --retry again`);
      }
      replaced = true;
    }

    const retry: JobsOptions = { attempts: opts.attempts, backoff: { type: 'exponential', delay: opts.backoffMs } };
    const parent: AssembleJobData = { kind: 'assemble', jobFile: manifest.file, jobId: manifest.id, chunks: manifest.chunks.length };
    // Even if two submits race past the check above, Redis keeps the first job of each id and ignores the second.
    await flows.add({
      name: 'assemble',
      queueName: opts.queue,
      data: parent,
      opts: { ...retry, jobId: parentId },
      children: manifest.chunks.map((c) => {
        const data: ChunkJobData = { kind: 'chunk', jobFile: manifest.file, jobId: manifest.id, chunk: c.index, start: c.start, end: c.end };
        // A chunk out of attempts fails the assemble too, so `status` shows the job as failed instead of waiting forever.
        return { name: 'chunk', queueName: opts.queue, data, opts: { ...retry, jobId: chunkJobId(manifest.id, c.index), failParentOnFailure: true } };
      }),
    });
    return { ...base, created: true, replaced, state: await queue.getJobState(parentId) };
  } finally {
    await Promise.all([queue.close(), flows.close()]);
  }
}
