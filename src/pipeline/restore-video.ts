import { InputError } from '../errors.ts';
import { decodeFrames, probeMedia, type MediaInfo } from '../decode/index.ts';
import { prepareOutput } from '../encode/index.ts';
import { parseFrameRange } from '../options/resolve-options.ts';
import { trackFrames, readTracksFile } from '../track/index.ts';
import type { Summary } from './progress.ts';
import type { RestoreRequest } from './restore-media.ts';
import { renderToFile } from './render-to-file.ts';
import { timedDetector } from './stage-timer.ts';
import { trackOptionsOf } from './track-video.ts';

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
  const info = await probeMedia(req.input, signal ? { signal } : {});
  assertEightBit(info, req.input);
  const range = options.frames ? parseFrameRange(options.frames) : undefined;
  const output = await prepareOutput(req.output, { overwrite: req.overwrite, inputPath: req.input });
  return renderToFile({
    options,
    info,
    output,
    needDetector: !req.tracksFile,
    total: range ? Math.min(range.end, info.video.frameCount) - range.start : info.video.frameCount,
    encode: range ? { frames: range } : {},
    async tracked(models, timer, pool) {
      // Each decoded frame owns its buffer until it is encoded, so later stages keep frames without copying them again.
      const decoded = decodeFrames(req.input, info, { pixelFormat: 'rgb24', pool, ...(range ? { frames: range } : {}), ...(signal ? { signal } : {}) });
      return req.tracksFile
        ? (await readTracksFile(req.tracksFile, info)).attach(decoded, { copyFrames: false, ...(signal ? { signal } : {}) })
        : trackFrames(decoded, timedDetector(models.detector!, timer), { ...trackOptionsOf(options), copyFrames: false, ...(signal ? { signal } : {}) });
    },
    ...(signal ? { signal } : {}),
    ...(req.warn ? { warn: req.warn } : {}),
  });
}
