import { readFile, stat } from 'node:fs/promises';
import { z } from 'zod';
import { writeFileAtomic } from '../models/write-atomic.ts';
import { sha256File } from '../models/sha256.ts';
import { chunkFiles, type JobChunk, type JobManifest } from './manifest.ts';

const recordSchema = z.strictObject({
  job: z.string(),
  chunk: z.int().nonnegative(),
  start: z.int().nonnegative(),
  end: z.int().positive(),
  frames: z.int().positive(),
  bytes: z.int().positive(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});
export type ChunkRecord = z.infer<typeof recordSchema>;

/**
 * Written after the chunk's video is in place: a chunk counts as rendered only when its record
 * names this job and range and the file still has the recorded size and hash, so a file left by
 * a killed render, an older plan or a damaged copy is rendered again rather than assembled.
 */
export async function writeChunkRecord(job: JobManifest, chunk: JobChunk, frames: number): Promise<ChunkRecord> {
  const files = chunkFiles(job, chunk.index);
  const record: ChunkRecord = { job: job.id, chunk: chunk.index, start: chunk.start, end: chunk.end, frames, bytes: (await stat(files.video)).size, sha256: await sha256File(files.video) };
  await writeFileAtomic(files.record, Buffer.from(`${JSON.stringify(record)}\n`));
  return record;
}

/** Why the chunk is not (validly) rendered, or null when it is. */
export async function chunkProblem(job: JobManifest, chunk: JobChunk, options: { hash?: boolean } = {}): Promise<string | null> {
  const files = chunkFiles(job, chunk.index);
  const text = await readFile(files.record, 'utf8').catch(() => null);
  if (text === null) return 'not rendered yet';
  let parsed;
  try {
    parsed = recordSchema.safeParse(JSON.parse(text));
  } catch {
    return `its record ${files.record} is not valid JSON`;
  }
  if (!parsed.success) return `its record ${files.record} is not valid`;
  const r = parsed.data;
  if (r.job !== job.id) return `it was rendered for another job (${r.job})`;
  if (r.start !== chunk.start || r.end !== chunk.end || r.frames !== chunk.end - chunk.start) return `it holds frames ${r.start}–${r.end} (${r.frames}) where the job expects ${chunk.start}–${chunk.end}`;
  const size = (await stat(files.video).catch(() => null))?.size;
  if (size === undefined) return `its video ${files.video} is missing`;
  if (size !== r.bytes) return `its video ${files.video} has ${size} bytes where ${r.bytes} were written`;
  if (options.hash !== false && (await sha256File(files.video)) !== r.sha256) return `its video ${files.video} changed after it was written (sha256 differs)`;
  return null;
}
