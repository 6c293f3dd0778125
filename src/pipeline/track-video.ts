import { InputError } from '../errors.ts';
import { decodeFrames, probeMedia } from '../decode/index.ts';
import type { RestoreOptions } from '../options/option-table.ts';
import { parseFrameRange } from '../options/resolve-options.ts';
import { createYunetDetector, TracksWriter, trackFrames, type Frame, type TrackOptions } from '../track/index.ts';
import { createProgress, type Summary } from './progress.ts';

export type TrackVideoOptions = Pick<RestoreOptions, 'landmarkSmoothing' | 'detectThreshold' | 'progress' | 'frames' | 'modelsDir'>;

/** The tracker's options that the restore option table controls. */
export function trackOptionsOf(o: Pick<RestoreOptions, 'landmarkSmoothing' | 'detectThreshold'>): TrackOptions {
  return { landmarkSmoothing: o.landmarkSmoothing, scoreThreshold: o.detectThreshold };
}

/** `gpen-video track`: detects and tracks every face and writes the documented tracks file. */
export async function trackVideo(input: string, output: string, options: TrackVideoOptions, signal?: AbortSignal, file: { exact?: boolean; onFrame?: (frame: Frame) => void } = {}): Promise<Summary> {
  const started = performance.now();
  const info = await probeMedia(input, signal ? { signal } : {});
  const detector = await createYunetDetector(options.modelsDir ? { modelsDir: options.modelsDir } : {});
  const progress = createProgress(options.progress);
  const writer = new TracksWriter({ width: info.video.frameWidth, height: info.video.frameHeight, fps: info.video.fps, ...(info.video.frameCountSource === 'estimated' ? {} : { frames: info.video.frameCount }), ...(file.exact ? { exact: true } : {}) });
  let frames = 0;
  let faces = 0;
  try {
    const range = options.frames ? parseFrameRange(options.frames) : undefined;
    const decoded = decodeFrames(input, info, { pixelFormat: 'rgb24', ...(range ? { frames: range } : {}), ...(signal ? { signal } : {}) });
    for await (const t of trackFrames(decoded, detector, { ...trackOptionsOf(options), copyFrames: false, ...(signal ? { signal } : {}) })) {
      writer.add(t);
      file.onFrame?.(t.frame);
      frames++;
      faces += t.faces.length;
      progress.update({ frame: frames, total: info.video.frameCount, faces });
    }
    if (frames === 0) throw new InputError('E_INPUT_EMPTY', `${input}: no frames were decoded`);
    await writer.finish(output);
  } catch (e) {
    progress.stop();
    throw e;
  } finally {
    await detector.close();
  }
  const seconds = (performance.now() - started) / 1000;
  const summary = { frames, facesRestored: 0, seconds, fps: frames / seconds };
  progress.finish(summary);
  return summary;
}
