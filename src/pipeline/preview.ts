import sharp, { type OverlayOptions } from 'sharp';
import { InputError, ModelMissingError } from '../errors.ts';
import { decodeFrames, probeMedia } from '../decode/index.ts';
import type { RestoreOptions } from '../options/option-table.ts';
import { createYunetDetector, trackFrames, type TrackedFrame } from '../track/index.ts';
import { openModels } from './open-models.ts';
import { restoreFrames } from './restore-frames.ts';
import { trackOptionsOf } from './track-video.ts';

const CONTEXT_BEFORE = 24;
const CONTEXT_AFTER = 16;

/** SVG overlay: each track's box and id, smoothed landmarks (green) and raw detections (red). */
export function overlaySvg(t: TrackedFrame): string {
  const { width, height } = t.frame;
  const stroke = Math.max(1, Math.round(Math.min(width, height) / 300));
  const parts = t.faces.map((f) => {
    const [x, y, w, h] = f.box;
    const font = Math.max(10, Math.round(h / 6));
    const raw = (f.raw ?? []).map(([px, py]) => `<circle cx="${px}" cy="${py}" r="${stroke * 1.5}" fill="none" stroke="#ff3b30" stroke-width="${stroke / 2}"/>`).join('');
    const smooth = f.landmarks.map(([px, py]) => `<circle cx="${px}" cy="${py}" r="${stroke * 1.5}" fill="#34c759"/>`).join('');
    return `<rect x="${x}" y="${y}" width="${w}" height="${h}" fill="none" stroke="#ffcc00" stroke-width="${stroke}"/>` +
      `<text x="${x + stroke}" y="${Math.max(font, y - stroke * 2)}" font-family="sans-serif" font-size="${font}" fill="#ffcc00" stroke="#000" stroke-width="${stroke / 3}">#${f.trackId} ${f.score.toFixed(2)}</text>${smooth}${raw}`;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${parts.join('')}</svg>`;
}

export interface PreviewResult {
  faces: number;
  restored: boolean;
}

/**
 * `gpen-video preview`: one frame with every track drawn on it, beside the same frame restored
 * when the model is available. Tracking runs over a window around the frame, so the landmarks
 * drawn are the smoothed ones the restore would use.
 */
export async function previewFrame(input: string, output: string, frameIndex: number, options: RestoreOptions, signal?: AbortSignal): Promise<PreviewResult> {
  const info = await probeMedia(input, signal ? { signal } : {});
  if (frameIndex < 0 || (info.video.frameCountSource !== 'estimated' && frameIndex >= info.video.frameCount)) {
    throw new InputError('E_FRAME_RANGE', `--frame ${frameIndex} is outside ${input}, which has ${info.video.frameCount} frames (0..${info.video.frameCount - 1})`);
  }
  const range = { start: Math.max(0, frameIndex - CONTEXT_BEFORE), end: frameIndex + CONTEXT_AFTER + 1 };
  const decoded = decodeFrames(input, info, { pixelFormat: 'rgb24', frames: range, ...(signal ? { signal } : {}) });
  let models: Awaited<ReturnType<typeof openModels>> | null = null;
  try {
    models = await openModels(options, { needDetector: true, ...(signal ? { signal } : {}) });
  } catch (e) {
    if (!(e instanceof ModelMissingError)) throw e;
  }
  const detector = models?.detector ?? (await createYunetDetector(options.modelsDir ? { modelsDir: options.modelsDir } : {}));
  let annotated: Buffer | null = null;
  let restored: Buffer | null = null;
  let picked: TrackedFrame | null = null;
  try {
    async function* tap(): AsyncGenerator<TrackedFrame> {
      for await (const t of trackFrames(decoded, detector, { ...trackOptionsOf(options), ...(signal ? { signal } : {}) })) {
        if (t.frame.index === frameIndex) {
          picked = t;
          annotated = await sharp(Buffer.from(t.frame.data), { raw: { width: t.frame.width, height: t.frame.height, channels: 3 } }).composite([{ input: Buffer.from(overlaySvg(t)) }]).png().toBuffer();
        }
        yield t;
      }
    }
    if (models) {
      for await (const r of restoreFrames(tap(), { restorer: models.restorer, template: options.template, temporalBlend: options.temporalBlend, ...(signal ? { signal } : {}) })) {
        if (r.tracked.frame.index === frameIndex) restored = Buffer.from(r.tracked.frame.data);
      }
    } else {
      for await (const _ of tap());
    }
  } finally {
    await (models ? models.close() : detector.close());
  }
  const frame = (picked as TrackedFrame | null)?.frame;
  if (!annotated || !frame) throw new InputError('E_FRAME_RANGE', `frame ${frameIndex} of ${input} could not be decoded`);
  const { width, height } = frame;
  const layers: OverlayOptions[] = [{ input: annotated, left: 0, top: 0 }];
  if (restored) layers.push({ input: await sharp(restored, { raw: { width, height, channels: 3 } }).png().toBuffer(), left: width, top: 0 });
  await sharp({ create: { width: restored ? width * 2 : width, height, channels: 3, background: '#000' } }).composite(layers).toFile(output);
  return { faces: (picked as TrackedFrame | null)?.faces.length ?? 0, restored: restored !== null };
}
