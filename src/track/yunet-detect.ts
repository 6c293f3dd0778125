import type { Detection } from './detector.ts';
import { weightedNms } from './nms.ts';
import { toPlanarBgr } from './planar-bgr.ts';
import { shrinkRgb } from './shrink-rgb.ts';
import type { Box, RgbImage } from './types.ts';
import { decodeYunetCells, type YunetOutputs, type YunetWindow } from './yunet-decode.ts';
import { padTo32, pyramidLevels, type PyramidLevel, type PyramidOptions } from './yunet-pyramid.ts';
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
 * Input context (level pixels) a window keeps around the cells it reports: YuNet's outputs at a
 * cell depend on the input within about this distance, so a cell this far inside a window's cut
 * edges decodes exactly as in a run on the whole level (measured bit-identical at 176 and beyond).
 */
export const WINDOW_CONTEXT = 192;

/** Windows cover at most this share of a level, or the whole level is run (the same result, cheaper). */
const MAX_WINDOW_SHARE = 0.7;

type Rect = { x0: number; y0: number; x1: number; y1: number };

const area = (r: Rect): number => (r.x1 - r.x0) * (r.y1 - r.y0);
const union = (a: Rect, b: Rect): Rect => ({ x0: Math.min(a.x0, b.x0), y0: Math.min(a.y0, b.y0), x1: Math.max(a.x1, b.x1), y1: Math.max(a.y1, b.y1) });

/**
 * The windows of one pyramid level that cover `near` (source-pixel boxes where faces are
 * expected) with WINDOW_CONTEXT around them, corners on the level's 32-pixel grid, overlapping
 * ones merged; null where running the whole level costs about as much.
 */
export function levelWindows(near: readonly Box[], level: PyramidLevel, source: { width: number; height: number }): YunetWindow[] | null {
  const sx = level.width / source.width, sy = level.height / source.height;
  const padW = padTo32(level.width), padH = padTo32(level.height);
  const floor32 = (v: number) => Math.max(0, Math.floor(v / 32) * 32);
  let rects: Rect[] = near.map(([x, y, w, h]) => ({
    x0: floor32(x * sx - WINDOW_CONTEXT),
    y0: floor32(y * sy - WINDOW_CONTEXT),
    x1: Math.min(level.width, Math.ceil(((x + w) * sx + WINDOW_CONTEXT) / 32) * 32),
    y1: Math.min(level.height, Math.ceil(((y + h) * sy + WINDOW_CONTEXT) / 32) * 32),
  })).filter((r) => r.x1 > r.x0 && r.y1 > r.y0);
  // merge while two windows cost no less than the box around both
  for (let merged = true; merged; ) {
    merged = false;
    for (let i = 0; i < rects.length && !merged; i++) {
      for (let j = i + 1; j < rects.length && !merged; j++) {
        const u = union(rects[i]!, rects[j]!);
        if (area(u) <= area(rects[i]!) + area(rects[j]!)) {
          rects = [...rects.filter((_, k) => k !== i && k !== j), u];
          merged = true;
        }
      }
    }
  }
  const windows = rects.map((r): YunetWindow => {
    const width = padTo32(r.x1 - r.x0), height = padTo32(r.y1 - r.y0);
    // an edge on the level's border sees what the whole level sees there (its zero padding included)
    const keep = [
      r.x0 === 0 ? 0 : r.x0 + WINDOW_CONTEXT,
      r.y0 === 0 ? 0 : r.y0 + WINDOW_CONTEXT,
      r.x1 === level.width ? padW : r.x1 - WINDOW_CONTEXT,
      r.y1 === level.height ? padH : r.y1 - WINDOW_CONTEXT,
    ] as const;
    return { x0: r.x0, y0: r.y0, width, height, keep };
  });
  const cost = windows.reduce((sum, w) => sum + w.width * w.height, 0);
  return cost >= MAX_WINDOW_SHARE * padW * padH ? null : windows;
}

/** Window inputs by size, reused (a moving face's window keeps its size for many frames); every value is rewritten. */
const windowCanvases = new Map<string, Float32Array>();

/** Planar BGR input of a window of an RGB image: the part inside the image, zeros in the rest. */
function windowInput(image: RgbImage, w: YunetWindow): Float32Array {
  const plane = w.width * w.height;
  const key = `${w.width}x${w.height}`;
  let out = windowCanvases.get(key);
  if (!out) {
    if (windowCanvases.size >= 8) windowCanvases.clear();
    windowCanvases.set(key, (out = new Float32Array(plane * 3)));
  }
  const cols = Math.min(w.width, image.width - w.x0);
  const rows = Math.min(w.height, image.height - w.y0);
  const src = image.data;
  for (let y = 0; y < rows; y++) {
    let p = ((w.y0 + y) * image.width + w.x0) * 3;
    const row = y * w.width;
    for (let x = 0; x < cols; x++, p += 3) {
      out[row + x] = src[p + 2]!;
      out[plane + row + x] = src[p + 1]!;
      out[2 * plane + row + x] = src[p]!;
    }
    for (let c = 0; c < 3; c++) out.fill(0, c * plane + row + cols, c * plane + row + w.width);
  }
  for (let c = 0; c < 3; c++) out.fill(0, c * plane + rows * w.width, (c + 1) * plane);
  return out;
}

/**
 * Detects faces on every pyramid level of an image, merges the levels, and takes a magnified
 * second look at small faces for their landmarks (yunet-refine.ts). Not re-entrant: await
 * one call before starting the next (the worker queues its requests).
 *
 * With `near` (source-pixel boxes where faces are expected, e.g. where they were a frame or two
 * ago), each level is run only on windows around them (levelWindows), and only cells well inside
 * a window are kept: for a face inside `near` the result is the one the whole image gives, at a
 * fraction of the cost; faces elsewhere are not looked for.
 */
export async function detectPyramid(image: RgbImage, run: YunetRun, options: YunetDetectOptions = {}, near?: readonly Box[]): Promise<Detection[]> {
  const scoreThreshold = options.scoreThreshold ?? 0.45;
  const found: Array<{ key: number; d: Detection }> = [];
  // Levels go fine to coarse; each is shrunk from the one before, which is cheaper than the frame.
  let source = image;
  const levels = pyramidLevels(image.width, image.height, options);
  for (let li = 0; li < levels.length; li++) {
    const level = levels[li]!;
    source = await shrinkRgb(source, level.width, level.height);
    const padW = padTo32(level.width);
    const padH = padTo32(level.height);
    const geo = { inputWidth: padW, inputHeight: padH, scaleX: level.width / image.width, scaleY: level.height / image.height };
    const emit = (key: number, d: Detection) => found.push({ key: li * 2 ** 28 + key, d });
    const windows = near ? levelWindows(near, level, image) : null;
    if (!windows) {
      const input = toPlanarBgr(source.data, level.width, level.height, padW, padH, canvas(level.width, level.height, padW, padH));
      decodeYunetCells(await run(input, padW, padH), geo, scoreThreshold, null, emit);
      continue;
    }
    for (const w of windows) decodeYunetCells(await run(windowInput(source, w), w.width, w.height), geo, scoreThreshold, w, emit);
  }
  // In the order a run on whole levels lists them (ties in score then break the same way), each cell once.
  found.sort((a, b) => a.key - b.key);
  const all = found.filter((f, i) => i === 0 || f.key !== found[i - 1]!.key).map((f) => f.d);
  return refineSmallFaces(image, weightedNms(all, options.nmsThreshold ?? 0.3), run, options);
}
