import { FramePool, type MediaInfo } from '../decode/index.ts';
import { encodeVideo, type EncodeOptions, type EncodeResult, type PreparedOutput } from '../encode/index.ts';
import type { RestoreOptions } from '../options/option-table.ts';
import type { TrackedFrame } from '../track/index.ts';
import { encoderSettings } from './encoder-settings.ts';
import { startModels, type StartedModels } from './open-models.ts';
import { createProgress, type Summary } from './progress.ts';
import { PullAhead } from './pull-ahead.ts';
import { restoreFrames } from './restore-frames.ts';
import { StageTimer } from './stage-timer.ts';

export interface RenderToFileRequest {
  options: RestoreOptions;
  info: MediaInfo;
  /** reserved by the caller; committed here on success, discarded on failure */
  output: PreparedOutput;
  needDetector: boolean;
  /**
   * The tracked frames to restore, given the opened models. Frames decoded into `pool`'s buffers
   * go back to it once encoded (or skipped), so their frame objects must not be kept past that.
   */
  tracked: (models: StartedModels, timer: StageTimer, pool: FramePool) => AsyncIterable<TrackedFrame> | Promise<AsyncIterable<TrackedFrame>>;
  /** frames to write, for progress */
  total: number;
  /** frames before this source index are restored (the blend's history) but not written */
  firstOutput?: number;
  encode: Pick<EncodeOptions, 'frames' | 'videoOnly'>;
  /** checks the encode before the output is committed */
  verify?: (result: EncodeResult) => void;
  progressStream?: NodeJS.WriteStream;
  signal?: AbortSignal;
  warn?: (message: string) => void;
}

/**
 * Tracked frames held ahead of the restore stage while the model loads, beyond the tracker's own
 * look-ahead (which the first of them already needed): a few frames. The first face needs only
 * the look-ahead, and buffers decoded ahead stay in the FramePool for the rest of the run.
 */
const PULL_AHEAD_BYTES = 24 * 2 ** 20;

/**
 * The restore pipeline from tracked frames to a committed file: models opened, frames restored
 * and encoded as one pull-driven chain, progress reported, the output committed only when all of
 * it is written and removed on any failure.
 */
export async function renderToFile(req: RenderToFileRequest): Promise<Summary> {
  const { options, output, signal } = req;
  const started = performance.now();
  // A model that is missing or fails to load must not leave the reserved temp file behind.
  const models = await startModels(options, { needDetector: req.needDetector, ...(signal ? { signal } : {}), ...(req.warn ? { warn: req.warn } : {}) }).catch(async (e: unknown) => {
    await output.discard();
    throw e;
  });
  const progress = createProgress(options.progress, req.progressStream);
  const timer = new StageTimer();
  const firstOutput = req.firstOutput ?? 0;
  let frames = 0;
  let faces = 0;
  let tracked: PullAhead<TrackedFrame> | null = null;
  try {
    const pool = new FramePool();
    // Decoding and detection start now, while the restorer's workers still load the model.
    tracked = new PullAhead(await req.tracked(models, timer, pool), (held) => held.reduce((n, t) => n + t.frame.data.byteLength, 0) >= PULL_AHEAD_BYTES);
    const restorer = await models.restorer;
    const restored = restoreFrames(tracked, { restorer, template: options.template, temporalBlend: options.temporalBlend, timer, ...(signal ? { signal } : {}) });
    async function* toEncoder() {
      for await (const r of restored) {
        const data = r.tracked.frame.data;
        if (r.tracked.frame.index >= firstOutput) {
          frames++;
          faces += r.faces;
          progress.update({ frame: frames, total: req.total, faces });
          // resumed only once the encoder has written the frame (pump awaits each write)
          yield { data };
        }
        pool.give(data);
      }
    }
    const result = await encodeVideo(toEncoder(), { output: output.tempPath, source: req.info, ...encoderSettings(options), ...req.encode, ...(signal ? { signal } : {}) });
    req.verify?.(result);
    await output.commit();
  } catch (e) {
    progress.stop();
    // frames pulled ahead that nothing will take: stop the decoder that makes them
    await tracked?.cancel();
    await output.discard();
    throw e;
  } finally {
    await models.close();
  }
  const seconds = (performance.now() - started) / 1000;
  const r = (await models.restorer).stats();
  const summary: Summary = { frames, facesRestored: faces, seconds, fps: frames / seconds, stats: { stageMs: timer.ms, inferMs: r.inferMs, inferCalls: r.calls, crops: r.crops } };
  progress.finish(summary);
  return summary;
}
