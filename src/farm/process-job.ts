import { UnrecoverableError, WaitingError, type SandboxedJob } from 'bullmq';
import { classifyExit } from './exit-policy.ts';
import type { FarmJobData, FarmJobResult, FarmProgress } from './job-data.ts';
import { killAllSteps, runStep } from './run-step.ts';
import { FARM_CLI_ENV, stepCommand } from './step-command.ts';
import { WORKER_NAME_ENV } from './worker-name.ts';

/*
 * The sandboxed processor: BullMQ runs this module in a child process of `farm worker`, and it
 * runs the step in a grandchild. The worker process itself only talks to Redis, so a long
 * inference never delays its lock renewals.
 */

/** Plain output lines copied into the job's log (BullMQ keeps them in Redis: bounded). */
const LOG_LINES = 200;
const PROGRESS_EVERY_MS = 250;

let stopping = false;
// A terminal's Ctrl-C reaches the whole process group, renders included, at once: remember that
// the worker is stopping, so their exit 130 hands the job back rather than failing it.
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => (stopping = true));
// The worker process is gone (killed, machine lost): Redis will hand its jobs to other workers once
// their locks expire, so the steps started here would only duplicate that work.
process.once('disconnect', () => {
  killAllSteps();
  process.exit(0);
});

export default async function processFarmJob(job: SandboxedJob<FarmJobData, FarmJobResult>, token?: string, signal?: AbortSignal): Promise<FarmJobResult> {
  const started = performance.now();
  const cmd = stepCommand(job.data);
  let logged = 0;
  let lastSent = 0;
  let pending: FarmProgress | null = null;
  const sendProgress = () => {
    if (!pending) return;
    lastSent = performance.now();
    job.updateProgress({ ...pending }).catch(() => {});
    pending = null;
  };

  const run = await runStep(cmd, {
    ...(signal ? { signal } : {}),
    onProgress: (p) => {
      pending = p;
      if (performance.now() - lastSent >= PROGRESS_EVERY_MS) sendProgress();
    },
    onText: (line, stream) => {
      // not awaited, and a closed channel (worker gone) must not become an unhandled rejection
      if (logged++ < LOG_LINES) void Promise.resolve(job.log(`${stream}: ${line}`)).catch(() => {});
    },
  });
  sendProgress();

  if (run.spawnError) {
    throw new Error(`could not start ${cmd.command} for the ${cmd.what}: ${run.spawnError.message} (check the gpen-video install on this worker, or ${FARM_CLI_ENV})`);
  }
  const outcome = classifyExit({ code: run.code, signal: run.signal, stopping: stopping || (signal?.aborted ?? false), attemptsMade: job.attemptsMade, lastError: run.lastError, what: cmd.what });
  switch (outcome.kind) {
    case 'ok':
      return {
        kind: job.data.kind,
        skipped: run.final?.skipped ?? false,
        summary: run.final?.summary ?? null,
        worker: process.env[WORKER_NAME_ENV] ?? `pid ${process.ppid}`,
        seconds: Number(((performance.now() - started) / 1000).toFixed(2)),
      };
    case 'fatal':
      throw new UnrecoverableError(outcome.reason);
    case 'retry':
      throw new Error(outcome.reason);
    case 'requeue':
      // Back to the waiting list without spending an attempt; BullMQ treats WaitingError as "moved, not failed".
      await job.moveToWait(token);
      throw new WaitingError(outcome.reason);
  }
}
