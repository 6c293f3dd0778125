import { InputError } from '../errors.ts';
import { decodeFrames, probeMedia, type MediaInfo } from '../decode/index.ts';
import { encodeVideo, prepareOutput } from '../encode/index.ts';
import { parseFrameRange } from '../options/resolve-options.ts';
import { trackFrames, readTracksFile, type TrackedFrame } from '../track/index.ts';
import { createProgress, type Summary } from './progress.ts';
import type { RestoreRequest } from './restore-media.ts';
import { restoreFrames } from './restore-frames.ts';
import { openModels } from './open-models.ts';
import { StageTimer, timedDetector } from './stage-timer.ts';
import { trackOptionsOf } from './track-video.ts';
import { encoderSettings } from './encoder-settings.ts';

/** The pipeline works on 8-bit RGB; deeper video is refused rather than silently reduced. */
export function assertEightBit(info: MediaInfo, file: string): void {
  if (info.video.bitDepth > 8) {
    throw new InputError('E_INPUT_BIT_DEPTH', `${file}: the video is ${info.video.bitDepth}-bit (${info.video.pixFmt}); gpen-video restores 8-bit video only and will not silently reduce it. Convert it to 8-bit first if that loss is acceptable (e.g. ffmpeg -i in -pix_fmt yuv420p out.mp4).`);
  }
}

/**
 * decode → track → restore → encode, as one pull-driven chain of async iterators: each stage asks
 * the one before it for the next frame, so memory is bounded by the stages' small look-ahead and
 * in-flight windows whatever the video's length. One AbortSignal stops every stage; on any
 * failure the temporary output is removed and nothing appears under the final name.
 */
export async function restoreVideo(req: RestoreRequest): Promise<Summary> {
  const { options, signal } = req;
  const started = performance.now();
  const info = await probeMedia(req.input, signal ? { signal } : {});
  assertEightBit(info, req.input);
  const output = await prepareOutput(req.output, { overwrite: req.overwrite, inputPath: req.input });
  // A model that is missing or fails to load must not leave the reserved temp file behind.
  const models = await openModels(options, { needDetector: !req.tracksFile, ...(signal ? { signal } : {}), ...(req.warn ? { warn: req.warn } : {}) }).catch(async (e: unknown) => {
    await output.discard();
    throw e;
  });
  const progress = createProgress(options.progress);
  const timer = new StageTimer();
  let frames = 0;
  let faces = 0;
  try {
    const range = options.frames ? parseFrameRange(options.frames) : undefined;
    // Each decoded frame owns its buffer, so later stages keep frames without copying them again.
    const decoded = decodeFrames(req.input, info, { pixelFormat: 'rgb24', ...(range ? { frames: range } : {}), ...(signal ? { signal } : {}) });
    const tracked: AsyncIterable<TrackedFrame> = req.tracksFile
      ? (await readTracksFile(req.tracksFile, info)).attach(decoded, { copyFrames: false, ...(signal ? { signal } : {}) })
      : trackFrames(decoded, timedDetector(models.detector!, timer), { ...trackOptionsOf(options), copyFrames: false, ...(signal ? { signal } : {}) });
    const restored = restoreFrames(tracked, { restorer: models.restorer, template: options.template, temporalBlend: options.temporalBlend, timer, ...(signal ? { signal } : {}) });
    const total = range ? Math.min(range.end, info.video.frameCount) - range.start : info.video.frameCount;
    async function* toEncoder() {
      for await (const r of restored) {
        frames++;
        faces += r.faces;
        progress.update({ frame: frames, total, faces });
        yield { data: r.tracked.frame.data };
      }
    }
    await encodeVideo(toEncoder(), {
      output: output.tempPath,
      source: info,
      ...encoderSettings(options),
      ...(range ? { frames: range } : {}),
      ...(signal ? { signal } : {}),
    });
    await output.commit();
  } catch (e) {
    progress.stop();
    await output.discard();
    throw e;
  } finally {
    await models.close();
  }
  const seconds = (performance.now() - started) / 1000;
  const r = models.restorer.stats();
  const summary: Summary = { frames, facesRestored: faces, seconds, fps: frames / seconds, stats: { stageMs: timer.ms, inferMs: r.inferMs, inferCalls: r.calls, crops: r.crops } };
  progress.finish(summary);
  return summary;
}
