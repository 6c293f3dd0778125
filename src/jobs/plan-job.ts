import { stat } from 'node:fs/promises';
import path from 'node:path';
import { probeMedia } from '../decode/index.ts';
import { buildEncodeArgs, buildJoinArgs } from '../encode/index.ts';
import { encoderSettings } from '../pipeline/encoder-settings.ts';
import { assertEightBit } from '../pipeline/restore-video.ts';
import { UsageError } from '../errors.ts';
import { sha256File } from '../models/sha256.ts';
import type { ResolvedOptions } from '../options/resolve-options.ts';
import { trackVideo } from '../pipeline/track-video.ts';
import { blendHistoryStart } from '../restore/temporal-blend.ts';
import { readTracksFile, type TrackLookup } from '../track/index.ts';
import { JOB_FORMAT, JOB_VERSION, writeJob, type JobManifest } from './manifest.ts';
import { modelIdentity } from './model-identity.ts';
import { VERSION } from '../version.ts';
import { frameFingerprint, type SeekPoint } from './frame-fingerprint.ts';
import type { Frame } from '../decode/index.ts';

export interface PlanRequest {
  input: string;
  output: string;
  jobFile: string;
  resolved: ResolvedOptions;
  /** frames per chunk, or a number of chunks */
  chunking: { frames: number } | { chunks: number };
  overwrite: boolean;
  signal?: AbortSignal;
}

/** Frames per chunk when the plan names neither: about a minute of 25 fps video. */
export const DEFAULT_CHUNK_FRAMES = 1500;

/**
 * `gpen-video plan`: hashes the input and the model, tracks faces over the whole video once (so
 * every chunk sees the same tracks and smoothed landmarks, at full precision), splits the frames
 * into chunks and writes the job manifest beside its tracks file and chunk folder.
 */
export async function planJob(req: PlanRequest): Promise<JobManifest> {
  const { options, sources } = req.resolved;
  const { signal } = req;
  if (options.frames) throw new UsageError('plan renders whole videos; --frames is for `restore` (an excerpt) or for `render --frames S-E` (a farm manager\'s frame range).', 'E_USAGE_PLAN_FRAMES');
  const input = path.resolve(req.input);
  const output = path.resolve(req.output);
  const jobFile = path.resolve(req.jobFile);
  if (output === input) throw new UsageError(`The output ${output} is the input; choose another output name.`, 'E_OUTPUT_IS_INPUT');
  if (!req.overwrite && (await stat(output).catch(() => null))) {
    throw new UsageError(`Output ${output} already exists. Choose another name, or allow overwriting it (--overwrite).`, 'E_OUTPUT_EXISTS');
  }
  const info = await probeMedia(input, signal ? { signal } : {});
  assertEightBit(info, input);
  // Refuse now what assemble would refuse hours later: a codec the output container cannot hold, or
  // source streams it cannot carry (the chunk encode and the join are built here, not run).
  buildEncodeArgs({ source: info, output: path.join(path.dirname(jobFile), 'chunk.nut'), ...encoderSettings(options), videoOnly: true, fpsMode: false });
  buildEncodeArgs({ source: info, output, ...encoderSettings(options), fpsMode: false });
  buildJoinArgs({ source: info, list: jobFile, output, codec: options.codec });
  const before = await stat(input);
  const [inputHash, model] = await Promise.all([sha256File(input, signal ? { signal } : {}), modelIdentity(options, signal)]);

  const base = path.basename(jobFile).replace(/\.json$/i, '');
  const tracksName = `${base}.tracks.json`;
  const tracksFile = path.join(path.dirname(jobFile), tracksName);
  // Every frame's time and fingerprint, so each chunk can seek to where its decoding starts (a few MB for a feature film).
  const seekPoints: SeekPoint[] = [];
  const onFrame = (frame: Frame) => void (seekPoints[frame.index] = { pts: frame.pts, fingerprint: frameFingerprint(frame) });
  const tracked = await trackVideo(input, tracksFile, options, signal, { exact: true, onFrame });
  const tracks = await readTracksFile(tracksFile);
  const frames = tracked.frames;
  const chunks = splitFrames(frames, req.chunking).map(([start, end], index) => {
    const decodeFrom = decodeStart(start, options.temporalBlend, tracks);
    return { index, start, end, decodeFrom, seek: decodeFrom > 0 ? (seekPoints[decodeFrom] ?? null) : null };
  });

  return writeJob(jobFile, {
    format: JOB_FORMAT,
    version: JOB_VERSION,
    createdBy: `gpen-video ${VERSION}`,
    input: { path: input, bytes: before.size, mtimeMs: before.mtimeMs, sha256: inputHash, frames, width: info.video.frameWidth, height: info.video.frameHeight },
    output,
    overwrite: req.overwrite,
    options: { ...options, progress: 'none' },
    optionSources: sources,
    model,
    tracks: tracksName,
    chunkDir: `${base}.chunks`,
    chunkExtension: '.nut',
    chunks,
  });
}

/** [start, end) ranges: `frames` per chunk, or `chunks` ranges as even as whole frames allow. */
export function splitFrames(total: number, chunking: { frames: number } | { chunks: number }): Array<[number, number]> {
  const count = 'chunks' in chunking ? Math.min(Math.max(1, chunking.chunks), total) : Math.ceil(total / Math.max(1, chunking.frames));
  const out: Array<[number, number]> = [];
  for (let i = 0; i < count; i++) {
    const start = 'chunks' in chunking ? Math.round((i * total) / count) : i * chunking.frames;
    const end = 'chunks' in chunking ? Math.round(((i + 1) * total) / count) : Math.min(total, (i + 1) * chunking.frames);
    out.push([start, end]);
  }
  return out;
}

/**
 * Where a chunk starting at `start` must begin decoding so that the blend state at `start` equals
 * a single run's: the blend's bounded history, cut short where the state is empty anyway — at a
 * scene cut (every track is reset there) or after a frame without faces (every track forgotten).
 */
export function decodeStart(start: number, temporalBlend: number, tracks: TrackLookup): number {
  if (temporalBlend <= 0) return start;
  const from = blendHistoryStart(start, temporalBlend);
  for (let f = start; f > from; f--) {
    if (tracks.cuts.has(f)) return f;
    if (tracks.facesForFrame(f - 1).length === 0) return f;
  }
  return from;
}
