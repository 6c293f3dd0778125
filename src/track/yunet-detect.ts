import type { Detection } from './detector.ts';
import { weightedNms } from './nms.ts';
import { toPlanarBgr } from './planar-bgr.ts';
import { shrinkRgb } from './shrink-rgb.ts';
import type { RgbImage } from './types.ts';
import { decodeYunet, type YunetOutputs } from './yunet-decode.ts';
import { padTo32, pyramidLevels, type PyramidOptions } from './yunet-pyramid.ts';
import { refineSmallFaces, type RefineOptions } from './yunet-refine.ts';

export interface YunetDetectOptions extends PyramidOptions, RefineOptions {
  /** detections below this score are dropped (default 0.45) */
  scoreThreshold?: number;
  /** overlap above which the weaker of two detections is suppressed (default 0.3) */
  nmsThreshold?: number;
}

/** Runs the network on one [1,3,H,W] BGR 0–255 input and returns its outputs by name. */
export type YunetRun = (input: Float32Array, width: number, height: number) => Promise<YunetOutputs>;

/**
 * Network input canvases by size, reused: a video's frames all have one size, and a fresh 10 MB
 * array per frame costs more than filling it. Safe because a caller runs one frame at a time
 * and the image always covers the same area of a canvas of its size.
 */
const canvases = new Map<string, Float32Array>();

function canvas(width: number, height: number, padW: number, padH: number): Float32Array {
  const key = `${width}x${height}/${padW}x${padH}`;
  let c = canvases.get(key);
  if (!c) {
    if (canvases.size >= 4) canvases.clear();
    canvases.set(key, (c = new Float32Array(padW * padH * 3)));
  }
  return c;
}

/**
 * Detects faces on every pyramid level of an image, merges the levels, and takes a magnified
 * second look at small faces for their landmarks (yunet-refine.ts). Not re-entrant: await
 * one call before starting the next (the worker queues its requests).
 */
export async function detectPyramid(image: RgbImage, run: YunetRun, options: YunetDetectOptions = {}): Promise<Detection[]> {
  const scoreThreshold = options.scoreThreshold ?? 0.45;
  const all: Detection[] = [];
  // Levels go fine to coarse; each is shrunk from the one before, which is cheaper than the frame.
  let source = image;
  for (const level of pyramidLevels(image.width, image.height, options)) {
    source = await shrinkRgb(source, level.width, level.height);
    const padW = padTo32(level.width);
    const padH = padTo32(level.height);
    const input = toPlanarBgr(source.data, level.width, level.height, padW, padH, canvas(level.width, level.height, padW, padH));
    const outputs = await run(input, padW, padH);
    const geo = { inputWidth: padW, inputHeight: padH, scaleX: level.width / image.width, scaleY: level.height / image.height };
    all.push(...decodeYunet(outputs, geo, scoreThreshold));
  }
  return refineSmallFaces(image, weightedNms(all, options.nmsThreshold ?? 0.3), run, options);
}
