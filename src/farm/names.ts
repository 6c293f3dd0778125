import { UsageError } from '../errors.ts';

/** The queue every farm command uses unless told otherwise. */
export const DEFAULT_QUEUE = 'gpen-video';

/*
 * Job ids come from the manifest's content hash, so submitting the same plan twice names the same
 * BullMQ jobs and Redis refuses the duplicates. BullMQ forbids ':' and all-digit custom ids.
 */
export function chunkJobId(jobId: string, chunk: number): string {
  return `${jobId}-chunk-${chunk}`;
}

export function assembleJobId(jobId: string): string {
  return `${jobId}-assemble`;
}

export function checkQueueName(name: string): string {
  if (!/^[A-Za-z0-9_.-]+$/.test(name)) throw new UsageError(`--queue "${name}": use letters, digits, '.', '_' or '-' only`, 'E_FARM_QUEUE');
  return name;
}

export function checkJobIdForFarm(id: string): string {
  if (!/^[A-Za-z0-9_.-]+$/.test(id)) throw new UsageError(`the job id "${id}" cannot name BullMQ jobs (only letters, digits, '.', '_', '-'); re-run plan`, 'E_FARM_JOB_ID');
  return id;
}
