import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { InputError } from '../errors.ts';
import { writeFileAtomic } from '../models/write-atomic.ts';
import type { Box, Frame, Landmarks, TrackedFace, TrackedFrame } from './types.ts';

/*
 * Tracks file, version 1 (JSON):
 *
 *   { "version": 1, "width": W, "height": H, "fps": F, "frames": N,
 *     "cuts": [frame, …],                      // optional: frames that start a new scene
 *     "tracks": [ { "id": 1, "frames": [
 *        { "frame": 0, "box": [x, y, w, h], "score": s,
 *          "raw": [[x, y] × 5] | null,          // the detector's landmarks; null where interpolated
 *          "landmarks": [[x, y] × 5] }, … ] }, … ] }
 *
 * Coordinates are source-frame pixels with pixel (i, j) centred at (i, j), rounded to 0.01 px
 * (a render job's tracks file keeps full precision).
 * Landmark order: image-left eye, image-right eye, nose tip, image-left mouth corner,
 * image-right mouth corner. A track's entries are in increasing frame order and never span a cut;
 * frames are 0-based indices into the decoded video. Readers ignore fields they do not know.
 */

const point = z.tuple([z.number(), z.number()]);
const landmarks = z.tuple([point, point, point, point, point]);
const entry = z.object({
  frame: z.number().int().nonnegative(),
  box: z.tuple([z.number(), z.number(), z.number().nonnegative(), z.number().nonnegative()]),
  score: z.number(),
  raw: landmarks.nullable(),
  landmarks,
});
const track = z
  .object({ id: z.number().int().positive(), frames: z.array(entry) })
  .refine((t) => t.frames.every((e, i) => i === 0 || e.frame > t.frames[i - 1]!.frame), { message: 'frames must be in increasing order' });

export const tracksFileSchema = z
  .object({
    version: z.literal(1),
    width: z.number().int().positive(),
    height: z.number().int().positive(),
    fps: z.number().positive(),
    frames: z.number().int().nonnegative(),
    cuts: z.array(z.number().int().nonnegative()).optional(),
    tracks: z.array(track),
  })
  .superRefine((file, ctx) => {
    const ids = new Set<number>();
    for (const [i, t] of file.tracks.entries()) {
      if (ids.has(t.id)) ctx.addIssue({ code: 'custom', path: ['tracks', i, 'id'], message: `duplicate track id ${t.id}` });
      ids.add(t.id);
      const last = t.frames[t.frames.length - 1];
      if (last && last.frame >= file.frames) ctx.addIssue({ code: 'custom', path: ['tracks', i, 'frames'], message: `frame ${last.frame} is beyond the file's ${file.frames} frames` });
    }
  });

export type TracksFileData = z.infer<typeof tracksFileSchema>;

const r2 = (v: number): number => Math.round(v * 100) / 100;
const roundLandmarks = (l: Landmarks): Landmarks => l.map((p) => [r2(p[0]), r2(p[1])]) as Landmarks;

/** Collects tracked frames as they stream by and writes the tracks file at the end. */
export class TracksWriter {
  private readonly tracks = new Map<number, TracksFileData['tracks'][number]['frames']>();
  private readonly cuts: number[] = [];
  private count = 0;

  private readonly round: (v: number) => number;
  private readonly roundLandmarks: (l: Landmarks) => Landmarks;

  /**
   * `frames`: the video's frame count, where known (default: the last frame added + 1).
   * `exact`: keep full precision (a render farm's chunks must see exactly what a single run sees);
   * otherwise coordinates are rounded to 0.01 px, which keeps the file small.
   */
  constructor(private readonly video: { width: number; height: number; fps: number; frames?: number; exact?: boolean }) {
    this.count = video.frames ?? 0;
    this.round = video.exact ? (v) => v : r2;
    this.roundLandmarks = video.exact ? (l) => l : roundLandmarks;
  }

  add(tracked: TrackedFrame): void {
    const index = tracked.frame.index;
    this.count = Math.max(this.count, index + 1);
    if (tracked.sceneCut) this.cuts.push(index);
    for (const face of tracked.faces) {
      let frames = this.tracks.get(face.trackId);
      if (!frames) this.tracks.set(face.trackId, (frames = []));
      frames.push({
        frame: index,
        box: face.box.map(this.round) as Box,
        score: Math.round(face.score * 1e4) / 1e4,
        raw: face.raw && this.roundLandmarks(face.raw),
        landmarks: this.roundLandmarks(face.landmarks),
      });
    }
  }

  toJSON(): TracksFileData {
    return {
      version: 1,
      width: this.video.width,
      height: this.video.height,
      fps: this.video.fps,
      frames: this.count,
      cuts: [...this.cuts],
      tracks: [...this.tracks].sort((a, b) => a[0] - b[0]).map(([id, frames]) => ({ id, frames })),
    };
  }

  /** Writes the file atomically: a temporary file beside it, then a rename. */
  async finish(file: string): Promise<void> {
    await writeFileAtomic(file, Buffer.from(JSON.stringify(this.toJSON())));
  }
}

/** What the video being processed looks like, to check a tracks file against. */
export interface VideoShape {
  width: number;
  height: number;
  /** number of frames, where known exactly */
  frames?: number;
}

/** A probed video (src/decode's MediaInfo has this shape); an estimated frame count is not checked. */
export interface ProbedVideo {
  video: { width: number; height: number; frameCount?: number; frameCountSource?: string };
}

function shapeOf(v: VideoShape | ProbedVideo): VideoShape {
  if (!('video' in v)) return v;
  const { width, height, frameCount, frameCountSource } = v.video;
  return frameCount === undefined || frameCountSource === 'estimated' ? { width, height } : { width, height, frames: frameCount };
}

/** A tracks file, indexed by frame. */
export class TrackLookup {
  private readonly byFrame = new Map<number, TrackedFace[]>();
  readonly cuts: ReadonlySet<number>;

  constructor(readonly data: TracksFileData) {
    for (const t of data.tracks) {
      for (const e of t.frames) {
        let faces = this.byFrame.get(e.frame);
        if (!faces) this.byFrame.set(e.frame, (faces = []));
        faces.push({ trackId: t.id, box: e.box, score: e.score, raw: e.raw, landmarks: e.landmarks });
      }
    }
    for (const faces of this.byFrame.values()) faces.sort((a, b) => a.trackId - b.trackId);
    this.cuts = new Set(data.cuts ?? []);
  }

  facesForFrame(index: number): TrackedFace[] {
    return this.byFrame.get(index) ?? [];
  }

  /**
   * The decoded frames with this file's faces and cuts: what trackFrames would yield, without
   * detecting anything. Like trackFrames, each frame carries a private copy of its pixels unless
   * copyFrames is false.
   */
  async *attach(frames: AsyncIterable<Frame>, options: { copyFrames?: boolean; signal?: AbortSignal } = {}): AsyncGenerator<TrackedFrame, void, undefined> {
    for await (const source of frames) {
      options.signal?.throwIfAborted();
      const frame = options.copyFrames === false ? source : { ...source, data: Buffer.from(source.data) };
      yield { frame, faces: this.facesForFrame(frame.index), sceneCut: this.cuts.has(frame.index) };
    }
  }
}

/** Validates parsed JSON as a tracks file for `video`; `source` names it in error messages. */
export function parseTracksFile(json: unknown, source: string, expected?: VideoShape | ProbedVideo): TrackLookup {
  const parsed = tracksFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
    throw new InputError('E_TRACKS_FILE', `${source} is not a valid tracks file${where}: ${issue.message}`);
  }
  const data = parsed.data;
  const video = expected && shapeOf(expected);
  if (video) {
    const sizeOk = data.width === video.width && data.height === video.height;
    const framesOk = video.frames === undefined || data.frames === video.frames;
    if (!sizeOk || !framesOk) {
      const theirs = `${data.width}×${data.height}, ${data.frames} frames`;
      const ours = `${video.width}×${video.height}${video.frames === undefined ? '' : `, ${video.frames} frames`}`;
      throw new InputError('E_TRACKS_MISMATCH', `${source} was made for another video (${theirs}); this video is ${ours}. Track this video again or pass its own tracks file.`);
    }
  }
  return new TrackLookup(data);
}

/** Reads and validates a tracks file; with `video`, also checks that it was made for that video. */
export async function readTracksFile(file: string, video?: VideoShape | ProbedVideo): Promise<TrackLookup> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new InputError('E_TRACKS_FILE', `cannot read tracks file ${file}: ${(e as Error).message}`, e);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new InputError('E_TRACKS_FILE', `${file} is not a valid tracks file: ${(e as Error).message}`, e);
  }
  return parseTracksFile(json, file, video);
}
