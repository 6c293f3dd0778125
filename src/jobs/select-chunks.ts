import { UsageError } from '../errors.ts';
import type { JobChunk, JobManifest } from './manifest.ts';

/** Array-job index variables of the farm managers `render` runs under, in the order they are read. */
export const ARRAY_INDEX_ENV = ['SLURM_ARRAY_TASK_ID', 'JOB_COMPLETION_INDEX', 'AWS_BATCH_JOB_ARRAY_INDEX'] as const;

export interface ChunkSelection {
  chunk?: number;
  /** "S-E": every chunk whose first frame lies in S…E, both inclusive, as farm managers hand out frame ranges */
  frames?: string;
}

/** The chunks one `render` call renders: --chunk K, else --frames S-E, else an array-job index from the environment. */
export function selectChunks(job: JobManifest, sel: ChunkSelection, env: NodeJS.ProcessEnv = process.env): JobChunk[] {
  const last = job.chunks.length - 1;
  const byIndex = (k: number, from: string): JobChunk[] => {
    const chunk = job.chunks[k];
    if (!chunk) throw new UsageError(`${from} is ${k}, but ${job.file} has chunks 0–${last}.`, 'E_USAGE_CHUNK');
    return [chunk];
  };
  if (sel.chunk !== undefined) return byIndex(sel.chunk, '--chunk');
  if (sel.frames !== undefined) {
    const m = /^(\d+)-(\d+)$/.exec(sel.frames.trim());
    if (!m || Number(m[1]) > Number(m[2])) throw new UsageError(`--frames "${sel.frames}" is not a frame range S-E (e.g. 0-1499).`, 'E_USAGE_FRAMES');
    const [s, e] = [Number(m[1]), Number(m[2])];
    const chunks = job.chunks.filter((c) => c.start >= s && c.start <= e);
    if (chunks.length === 0) throw new UsageError(`--frames ${s}-${e} contains the start of no chunk of ${job.file}; chunks start at frames ${job.chunks.map((c) => c.start).slice(0, 6).join(', ')}${job.chunks.length > 6 ? ', …' : ''}.`, 'E_USAGE_FRAMES');
    return chunks;
  }
  for (const name of ARRAY_INDEX_ENV) {
    const v = env[name];
    if (v === undefined || v === '') continue;
    if (!/^\d+$/.test(v)) throw new UsageError(`${name}="${v}" is not a chunk index.`, 'E_USAGE_CHUNK');
    return byIndex(Number(v), name);
  }
  throw new UsageError(`Say which chunk to render: --chunk K (0–${last}), --frames S-E, or run it as an array job (${ARRAY_INDEX_ENV.join(', ')}).`, 'E_USAGE_CHUNK');
}
