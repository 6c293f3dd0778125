import sharp from 'sharp';
import { InputError } from '../errors.ts';
import { prepareOutput } from '../encode/index.ts';
import type { TrackedFrame } from '../track/index.ts';
import { openModels } from './open-models.ts';
import { restoreFrames } from './restore-frames.ts';
import type { Summary } from './progress.ts';
import type { RestoreRequest } from './restore-media.ts';

/** Reads any image sharp understands as upright 8-bit RGB (EXIF orientation applied once). */
export async function readRgbImage(file: string): Promise<{ width: number; height: number; data: Buffer }> {
  try {
    const { data, info } = await sharp(file).rotate().removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
    return { width: info.width, height: info.height, data };
  } catch (e) {
    throw new InputError('E_INPUT_IMAGE', `${file}: cannot read this image (${(e as Error).message}). Give a JPEG, PNG, WebP or TIFF file.`, e);
  }
}

/** Still images: detect, align, restore, paste; no tracking or temporal blending. */
export async function restoreImage(req: RestoreRequest): Promise<Summary> {
  const started = performance.now();
  const image = await readRgbImage(req.input);
  const output = await prepareOutput(req.output, { overwrite: req.overwrite, inputPath: req.input });
  const models = await openModels(req.options, { needDetector: true, ...(req.signal ? { signal: req.signal } : {}), ...(req.warn ? { warn: req.warn } : {}) }).catch(async (e: unknown) => {
    await output.discard();
    throw e;
  });
  let faces = 0;
  try {
    const detections = (await models.detector!.detect(image, req.signal)).filter((d) => d.score >= req.options.detectThreshold);
    // One frame through the video path's restore stage: same alignment, crop, inference and paste.
    const frame: TrackedFrame = {
      frame: { index: 0, pts: 0, ...image },
      faces: detections.map((d, i) => ({ trackId: i + 1, box: d.box, score: d.score, raw: d.landmarks, landmarks: d.landmarks })),
      sceneCut: false,
    };
    for await (const r of restoreFrames([frame], { restorer: models.restorer, template: req.options.template, temporalBlend: 0, ...(req.signal ? { signal: req.signal } : {}) })) faces = r.faces;
    await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } }).toFile(output.tempPath);
    await output.commit();
  } catch (e) {
    await output.discard();
    throw e;
  } finally {
    await models.close();
  }
  const seconds = (performance.now() - started) / 1000;
  const summary = { frames: 1, facesRestored: faces, seconds, fps: 1 / seconds };
  if (req.options.progress === 'json') process.stderr.write(`${JSON.stringify({ done: true, frames: 1, faces_restored: faces, seconds })}\n`);
  else if (req.options.progress !== 'none') process.stderr.write(`done: ${faces} face(s) restored in ${seconds.toFixed(1)} s\n`);
  return summary;
}
