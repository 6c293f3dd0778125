import { readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { probeMedia } from '../decode/index.ts';
import { buildJoinArgs, concatList, prepareOutput } from '../encode/index.ts';
import { GpenError, InputError } from '../errors.ts';
import { runFfmpeg, runFfprobe } from '../ffmpeg/index.ts';
import { writeFileAtomic } from '../models/write-atomic.ts';
import { sha256File } from '../models/sha256.ts';
import { chunkProblem } from './chunk-record.ts';
import { chunkFiles, jobPaths, type JobManifest } from './manifest.ts';
import { assertSameInput } from './render-chunk.ts';

export interface AssembleResult {
  output: string;
  /** true when the output was already assembled from these chunks */
  skipped: boolean;
  frames: number;
  warnings: string[];
}

/**
 * `gpen-video assemble`: checks that every chunk is rendered, intact and has its frames (counted in
 * the file, not taken from its record), joins them by stream copy, adds the source's audio,
 * subtitles, chapters and metadata once, and renames the result into place. Running it again
 * after it succeeded changes nothing.
 */
export async function assembleJob(job: JobManifest, options: { signal?: AbortSignal } = {}): Promise<AssembleResult> {
  const { signal } = options;
  const marker = path.join(jobPaths(job).chunkDir, 'assembled.json');
  if (await alreadyAssembled(job, marker)) return { output: job.output, skipped: true, frames: job.input.frames, warnings: [] };
  await assertSameInput(job, signal);

  const missing: string[] = [];
  for (const chunk of job.chunks) {
    const problem = await chunkProblem(job, chunk);
    if (problem) missing.push(`chunk ${chunk.index} (frames ${chunk.start}–${chunk.end}): ${problem}`);
  }
  if (missing.length > 0) {
    throw new GpenError('E_JOB_CHUNKS_MISSING', `${job.file}: ${missing.length} of ${job.chunks.length} chunks are not ready — ${missing.slice(0, 3).join('; ')}${missing.length > 3 ? '; …' : ''}. Render them (gpen-video render ${job.file} --chunk K), then assemble again.`, { exitCode: 75 });
  }
  for (const chunk of job.chunks) {
    const counted = await countPackets(chunkFiles(job, chunk.index).video, signal);
    if (counted !== chunk.end - chunk.start) {
      throw new InputError('E_JOB_CHUNK_FRAMES', `${chunkFiles(job, chunk.index).video} holds ${counted} frames where chunk ${chunk.index} needs ${chunk.end - chunk.start}. Delete it and its .json record, and render it again.`);
    }
  }

  const info = await probeMedia(job.input.path, signal ? { signal } : {});
  const list = path.join(jobPaths(job).chunkDir, 'chunks.ffconcat');
  const output = await prepareOutput(job.output, { overwrite: job.overwrite, inputPath: job.input.path });
  const join = buildJoinArgs({ source: info, list, output: output.tempPath, codec: job.options.codec });
  const pieces = job.chunks.map((c) => ({ file: path.basename(chunkFiles(job, c.index).video), start: c.start, end: c.end }));
  try {
    await writeFileAtomic(list, Buffer.from(concatList(pieces, join.timing.frameRate)));
    const handle = runFfmpeg(join.args, { ...(signal ? { signal } : {}), task: `joining the chunks of ${job.file} into ${job.output}`, hint: 'The partial output was removed.' });
    await handle.done;
    await output.commit();
  } catch (e) {
    await output.discard();
    throw e;
  } finally {
    await rm(list, { force: true });
  }
  await writeFileAtomic(marker, Buffer.from(`${JSON.stringify({ job: job.id, output: job.output, sha256: await sha256File(job.output) })}\n`));
  await removeAbandonedTemps(jobPaths(job).chunkDir);
  return { output: job.output, skipped: false, frames: job.input.frames, warnings: join.warnings };
}

/** The output is in place and is the file this job's assemble wrote (a retry after success). */
async function alreadyAssembled(job: JobManifest, marker: string): Promise<boolean> {
  const text = await readFile(marker, 'utf8').catch(() => null);
  if (text === null) return false;
  let m: { job?: unknown; output?: unknown; sha256?: unknown };
  try {
    m = JSON.parse(text) as typeof m;
  } catch {
    return false;
  }
  if (m.job !== job.id || m.output !== job.output) return false;
  return (await sha256File(job.output).catch(() => null)) === m.sha256;
}

/**
 * Temp files of renders that were killed (SIGKILL leaves no chance to clean up). Only once every
 * chunk is done: before that, a render still running elsewhere may own one.
 */
async function removeAbandonedTemps(dir: string): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[]);
  await Promise.all(names.filter((n) => /^\.chunk-\d+\..*\.gpen-[0-9a-f]+\./.test(n)).map((n) => rm(path.join(dir, n), { force: true })));
}

async function countPackets(file: string, signal?: AbortSignal): Promise<number> {
  const out = await runFfprobe(['-v', 'error', '-select_streams', 'v:0', '-count_packets', '-show_entries', 'stream=nb_read_packets', '-of', 'csv=p=0', file], {
    ...(signal ? { signal } : {}),
    task: `counting the frames of ${file}`,
  });
  const n = Number.parseInt(out.trim(), 10);
  if (!Number.isFinite(n)) throw new InputError('E_JOB_CHUNK_FRAMES', `${file}: ffprobe could not count its frames (${out.trim()}). Delete it and its .json record, and render it again.`);
  return n;
}
