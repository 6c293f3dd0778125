import { mkdir, stat } from 'node:fs/promises';
import { decodeFrames, probeMedia, type Frame, type FramePool, type MediaInfo } from '../decode/index.ts';
import { isSeekPoint } from './frame-fingerprint.ts';
import { prepareOutput } from '../encode/index.ts';
import { GpenError, InputError, TransientError } from '../errors.ts';
import { sha256File } from '../models/sha256.ts';
import { DEFAULTS, type RestoreOptions } from '../options/option-table.ts';
import type { Summary } from '../pipeline/progress.ts';
import { renderToFile } from '../pipeline/render-to-file.ts';
import { assertEightBit } from '../pipeline/restore-video.ts';
import { readTracksFile } from '../track/index.ts';
import { chunkProblem, writeChunkRecord } from './chunk-record.ts';
import { chunkFiles, jobPaths, type JobChunk, type JobManifest } from './manifest.ts';
import { assertSameModel, modelIdentity } from './model-identity.ts';

/** What may differ from machine to machine without changing a single output pixel. */
export type MachineOptions = Partial<Pick<RestoreOptions, 'device' | 'threads' | 'workers' | 'helperNice' | 'modelsDir' | 'progress'>>;

export interface RenderChunkRequest {
  job: JobManifest;
  chunk: JobChunk;
  machine: MachineOptions;
  signal?: AbortSignal;
  warn?: (message: string) => void;
  /** where JSON progress lines go (stdout for farm managers) */
  progressStream?: NodeJS.WriteStream;
}

export type RenderChunkResult = { skipped: true; reason: null } | { skipped: false; summary: Summary };

/**
 * Renders one chunk of a planned job to its video-only intermediate. Decoding starts at the chunk's
 * decodeFrom so the temporal blend reaches the chunk's first frame in the state a single run has
 * there; those warm-up frames are restored but not written. The chunk's file appears complete or
 * not at all, and a chunk already rendered and intact is left alone.
 */
export async function renderChunk(req: RenderChunkRequest): Promise<RenderChunkResult> {
  const { job, chunk, signal } = req;
  if ((await chunkProblem(job, chunk)) === null) return { skipped: true, reason: null };
  await assertSameInput(job, signal);
  const info = await probeMedia(job.input.path, signal ? { signal } : {});
  assertEightBit(info, job.input.path);
  const options: RestoreOptions = { helperNice: DEFAULTS.helperNice, ...job.options, ...definedOnly(req.machine) };
  assertSameModel(job.model, await modelIdentity(options, signal), job.file);
  const tracks = await readTracksFile(jobPaths(job).tracks, { width: job.input.width, height: job.input.height, frames: job.input.frames });

  const files = chunkFiles(job, chunk.index);
  await mkdir(jobPaths(job).chunkDir, { recursive: true });
  // A stale or damaged file from an earlier attempt is replaced; the input is never the target.
  const output = await prepareOutput(files.video, { overwrite: true, inputPath: job.input.path });
  const total = chunk.end - chunk.start;
  const summary = await renderToFile({
    options,
    info,
    output,
    needDetector: false,
    total,
    // Warm-up frames before chunk.start are restored for the blend's history, not written.
    firstOutput: chunk.start,
    encode: { frames: { start: chunk.start, end: chunk.end }, videoOnly: true },
    tracked: (_models, _timer, pool) => tracks.attach(chunkSource(job, chunk, info, pool, signal, req.warn), { copyFrames: false, ...(signal ? { signal } : {}) }),
    verify(result) {
      if (result.framesWritten === total) return;
      throw new InputError('E_CHUNK_SHORT', `${job.input.path}: chunk ${chunk.index} (frames ${chunk.start}–${chunk.end}) got ${result.framesWritten} frames where the plan counted ${total}: the input decodes differently than when it was planned. Plan the job again.`);
    },
    ...(options.progress === 'json' ? { progressStream: req.progressStream ?? process.stdout } : {}),
    ...(signal ? { signal } : {}),
    ...(req.warn ? { warn: req.warn } : {}),
  });
  await writeChunkRecord(job, chunk, total);
  return { skipped: false, summary };
}

/**
 * The chunk's frames from decodeFrom on: seeking to the planned time where the plan recorded one, and
 * decoding from the start instead when the first frame after the seek is not the planned one (a
 * container without an index, broken timestamps) — slower, never wrong.
 */
async function* chunkSource(job: JobManifest, chunk: JobChunk, info: MediaInfo, pool: FramePool, signal: AbortSignal | undefined, warn?: (m: string) => void): AsyncGenerator<Frame> {
  const frames = { start: chunk.decodeFrom, end: chunk.end };
  const common = { pixelFormat: 'rgb24' as const, frames, pool, ...(signal ? { signal } : {}) };
  if (chunk.seek) {
    const it = decodeFrames(job.input.path, info, { ...common, seekPts: chunk.seek.pts })[Symbol.asyncIterator]();
    let landed = false;
    try {
      const first = await it.next();
      landed = !first.done && isSeekPoint(first.value, chunk.seek, info.video.fps);
      if (landed && !first.done) {
        yield first.value;
        for (let r = await it.next(); !r.done; r = await it.next()) yield r.value;
        return;
      }
    } finally {
      if (!landed) await it.return?.(undefined);
    }
    warn?.(`seeking in ${job.input.path} did not land on frame ${chunk.decodeFrom}; decoding chunk ${chunk.index} from the start of the file instead (slower, same result)`);
  }
  yield* decodeFrames(job.input.path, info, common);
}

/** The input must be the file that was planned: same size, and the same content where its time stamp moved. */
export async function assertSameInput(job: JobManifest, signal?: AbortSignal): Promise<void> {
  const { path, bytes, mtimeMs, sha256 } = job.input;
  const st = await stat(path).catch((e: unknown) => {
    // Transient: on a farm this is usually one machine's missing mount, and another machine may well see it.
    throw new TransientError('E_JOB_INPUT_MISSING', `${job.file}: its input ${path} cannot be read here (${(e as Error).message}). Every machine must see the input at the same path (shared storage).`, e);
  });
  const changed = st.size !== bytes || (st.mtimeMs !== mtimeMs && (await sha256File(path, signal ? { signal } : {})) !== sha256);
  if (changed) throw new GpenError('E_JOB_INPUT_CHANGED', `${job.file}: its input ${path} is not the file that was planned (size or content differs). Plan the job again for the new file.`);
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
