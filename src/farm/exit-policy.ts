import { EXIT } from '../errors.ts';

/** What the farm does with a finished render/assemble process. */
export type StepOutcome =
  | { kind: 'ok' }
  /** never retry: the same input fails the same way (bad job, missing model) */
  | { kind: 'fatal'; reason: string }
  /** fail this attempt; BullMQ retries with backoff while attempts remain */
  | { kind: 'retry'; reason: string }
  /** the worker was told to stop: hand the job back without spending an attempt */
  | { kind: 'requeue'; reason: string };

/** Runs of one job that may end in exit 1 (a bug) before the farm stops retrying it. */
export const BUG_ATTEMPTS = 2;

export interface ExitFacts {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** the worker, or the job's cancellation, stopped the process on purpose */
  stopping: boolean;
  /** runs of this job that ended before this one (all failed, or it would not run again) */
  attemptsMade: number;
  /** the last line the process wrote to stderr, for the reason */
  lastError: string;
  what: string;
}

/** Maps the CLI's exit codes (see README, "Exit codes") onto retry decisions. */
export function classifyExit(f: ExitFacts): StepOutcome {
  const detail = f.lastError ? `: ${f.lastError}` : '';
  if (f.code === EXIT.ok) return { kind: 'ok' };
  const interrupted = f.code === 130 || f.signal === 'SIGINT' || f.signal === 'SIGTERM';
  if (f.stopping && (interrupted || f.signal === 'SIGKILL')) return { kind: 'requeue', reason: `${f.what} stopped because the worker is shutting down` };
  if (f.code === EXIT.usage) return { kind: 'fatal', reason: `${f.what} refused its input (exit 2, not retried)${detail}` };
  if (f.code === EXIT.missingModel) return { kind: 'fatal', reason: `${f.what} found no model (exit 3, not retried; install it on every worker)${detail}` };
  if (f.code === EXIT.transient) return { kind: 'retry', reason: `${f.what} hit a transient failure (exit 75)${detail}` };
  if (f.code === EXIT.internal) {
    const reason = `${f.what} crashed (exit 1, a bug)${detail}`;
    return f.attemptsMade + 1 >= BUG_ATTEMPTS ? { kind: 'fatal', reason: `${reason}; gave up after ${BUG_ATTEMPTS} runs` } : { kind: 'retry', reason };
  }
  if (f.signal) return { kind: 'retry', reason: `${f.what} was killed by ${f.signal}${f.signal === 'SIGKILL' ? ' (out of memory?)' : ''}${detail}` };
  return { kind: 'retry', reason: `${f.what} exited with ${f.code}${detail}` };
}
