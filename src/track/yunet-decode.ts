import type { Detection } from './detector.ts';
import type { Landmarks } from './types.ts';

export const YUNET_STRIDES = [8, 16, 32] as const;

/** The twelve YuNet output tensors of one run, by name (cls_8 … kps_32). */
export type YunetOutputs = Record<string, Float32Array>;

export interface YunetDecodeGeometry {
  /** padded network input size, multiples of 32 */
  inputWidth: number;
  inputHeight: number;
  /** network-input pixels per source pixel along each axis */
  scaleX: number;
  scaleY: number;
}

const clamp01 = (v: number): number => (v < 0 ? 0 : v > 1 ? 1 : v);

/** Where a run's input sits in its pyramid level, and which of its cells to keep (see decodeYunetCells). */
export interface YunetWindow {
  /** the input's top-left corner in level pixels (multiples of 32) */
  x0: number;
  y0: number;
  /** the input's padded size */
  width: number;
  height: number;
  /** level-pixel rectangle [x0, y0, x1, y1) a cell must lie in to be kept */
  keep: readonly [number, number, number, number];
}

/**
 * Turns one run's raw outputs into detections in source-frame pixels. YuNet is anchor-free with
 * one prior per grid cell: the box centre is (cell + delta) × stride, its size exp(delta) × stride,
 * each keypoint (cell + delta) × stride; the score is the geometric mean of class and objectness.
 */
export function decodeYunet(outputs: YunetOutputs, geo: YunetDecodeGeometry, scoreThreshold: number): Detection[] {
  const found: Detection[] = [];
  decodeYunetCells(outputs, geo, scoreThreshold, null, (_, d) => found.push(d));
  return found;
}

/**
 * decodeYunet for a run on a window of a level: cells are numbered on the whole level's grid (the
 * window's corner is on it), so a kept cell decodes with exactly the arithmetic of a run on the
 * whole level, and `emit` gets the cell's place in a whole-level decode's order as a sort key.
 */
export function decodeYunetCells(
  outputs: YunetOutputs,
  geo: YunetDecodeGeometry,
  scoreThreshold: number,
  window: YunetWindow | null,
  emit: (key: number, d: Detection) => void,
): void {
  // Network pixel u (centre-at-integer convention) covers source interval [u/s, (u+1)/s).
  const toX = (u: number): number => (u + 0.5) / geo.scaleX - 0.5;
  const toY = (v: number): number => (v + 0.5) / geo.scaleY - 0.5;
  YUNET_STRIDES.forEach((stride, si) => {
    const cls = outputs[`cls_${stride}`];
    const obj = outputs[`obj_${stride}`];
    const bbox = outputs[`bbox_${stride}`];
    const kps = outputs[`kps_${stride}`];
    if (!cls || !obj || !bbox || !kps) throw new Error(`YuNet output for stride ${stride} is missing`);
    const cols = (window ? window.width : geo.inputWidth) / stride;
    const rows = (window ? window.height : geo.inputHeight) / stride;
    if (cls.length !== cols * rows) throw new Error(`YuNet cls_${stride} has ${cls.length} cells, expected ${cols}×${rows}`);
    const levelCols = geo.inputWidth / stride;
    const colOffset = window ? window.x0 / stride : 0;
    const rowOffset = window ? window.y0 / stride : 0;
    for (let i = 0; i < cls.length; i++) {
      const score = Math.sqrt(clamp01(cls[i]!) * clamp01(obj[i]!));
      if (score < scoreThreshold) continue;
      const c = i % cols;
      const col = c + colOffset;
      const row = (i - c) / cols + rowOffset;
      if (window) {
        const [kx0, ky0, kx1, ky1] = window.keep;
        if (col * stride < kx0 || (col + 1) * stride > kx1 || row * stride < ky0 || (row + 1) * stride > ky1) continue;
      }
      const cx = (col + bbox[i * 4]!) * stride;
      const cy = (row + bbox[i * 4 + 1]!) * stride;
      const w = Math.exp(bbox[i * 4 + 2]!) * stride;
      const h = Math.exp(bbox[i * 4 + 3]!) * stride;
      const landmarks = [0, 1, 2, 3, 4].map((k) => [toX((col + kps[i * 10 + 2 * k]!) * stride), toY((row + kps[i * 10 + 2 * k + 1]!) * stride)]) as Landmarks;
      emit(si * 2 ** 26 + row * levelCols + col, { box: [toX(cx - w / 2), toY(cy - h / 2), w / geo.scaleX, h / geo.scaleY], score, landmarks });
    }
  });
}
