import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker, type Job } from 'bullmq';
import type { FarmJobData, FarmJobResult } from './job-data.ts';
import { redactRedisUrl, redisConnection } from './redis-url.ts';
import { RENDER_ARGS_ENV } from './step-command.ts';
import { WORKER_NAME_ENV } from './worker-name.ts';

/** A file path, so BullMQ runs each job in a child process (see process-job.ts). */
const PROCESSOR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'processor-boot.mjs');

export interface FarmWorkerOptions {
  redis: string;
  queue: string;
  /** jobs this worker runs at once (each in its own process) */
  concurrency: number;
  /** a job whose lock is not renewed for this long counts as abandoned */
  lockDurationMs: number;
  /** how often this worker looks for abandoned jobs */
  stalledIntervalMs: number;
  /** times a job may be abandoned (worker killed) before it fails */
  maxStalledCount: number;
  name: string;
  /** appended to every `render` command line */
  renderArgs: string[];
}

/**
 * Runs a BullMQ worker until SIGINT/SIGTERM. The first signal hands the running jobs back to the
 * queue (their renders are stopped; no attempt is spent) and closes; a second one closes at once.
 */
export async function runFarmWorker(opts: FarmWorkerOptions, log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Promise<void> {
  const worker = new Worker<FarmJobData, FarmJobResult>(opts.queue, PROCESSOR, {
    connection: redisConnection(opts.redis),
    name: opts.name,
    concurrency: opts.concurrency,
    lockDuration: opts.lockDurationMs,
    stalledInterval: opts.stalledIntervalMs,
    maxStalledCount: opts.maxStalledCount,
    useWorkerThreads: false,
    workerForkOptions: { env: { ...process.env, [RENDER_ARGS_ENV]: JSON.stringify(opts.renderArgs), [WORKER_NAME_ENV]: opts.name } },
  });
  watchWorker(worker, log);

  let signals = 0;
  let closed: Promise<void> = Promise.resolve();
  let onSignal!: (sig: NodeJS.Signals) => void;
  const stopped = new Promise<void>((resolve) => {
    onSignal = (sig) => {
      signals++;
      if (signals === 1) {
        log(`${sig}: handing running jobs back to the queue and stopping (send it again to stop at once)`);
        worker.cancelAllJobs(`worker ${opts.name} stopping (${sig})`);
        closed = worker.close();
      } else {
        log(`${sig} again: stopping now; abandoned jobs return to the queue when their locks expire`);
        closed = worker.close(true);
      }
      closed.then(resolve, resolve);
    };
  });
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  worker.waitUntilReady().then(
    () => log(`worker ${opts.name}: taking jobs from queue "${opts.queue}" at ${redactRedisUrl(opts.redis)} (concurrency ${opts.concurrency})`),
    () => {},
  );
  try {
    await stopped;
    await closed;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  log(`worker ${opts.name}: stopped`);
}

function jobLabel(job: Job<FarmJobData> | undefined): string {
  if (!job) return 'a job';
  const d = job.data;
  return d.kind === 'chunk' ? `job ${d.jobId} chunk ${d.chunk} (frames ${d.start}–${d.end})` : `job ${d.jobId} assemble`;
}

/** One log line per event; repeated connection errors (Redis down) are reported once until they change. */
function watchWorker(worker: Worker<FarmJobData, FarmJobResult>, log: (line: string) => void): void {
  let lastError = '';
  worker.on('error', (e) => {
    if (e.message !== lastError) log(`worker error: ${e.message}`);
    lastError = e.message;
  });
  worker.on('ready', () => (lastError = ''));
  worker.on('active', (job) => log(`${jobLabel(job)}: started (run ${job.attemptsStarted} of at most ${job.opts.attempts ?? 1})`));
  worker.on('completed', (job, result) => log(`${jobLabel(job)}: ${result.skipped ? 'already done, skipped' : `done in ${result.seconds} s`}`));
  worker.on('failed', (job, err) => {
    const final = !job || err.name === 'UnrecoverableError' || job.attemptsMade >= (job.opts.attempts ?? 1);
    log(`${jobLabel(job)}: failed: ${err.message}${final ? ' (final)' : ' (will be retried)'}`);
  });
  worker.on('stalled', (jobId) => log(`job ${jobId}: its worker stopped renewing its lock; back in the queue`));
}
