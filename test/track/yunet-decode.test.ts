import { describe, expect, it } from 'vitest';
import { weightedNms } from '../../src/track/nms.ts';
import { toPlanarBgr } from '../../src/track/planar-bgr.ts';
import { shrinkRgb } from '../../src/track/shrink-rgb.ts';
import { decodeYunet, YUNET_STRIDES, type YunetOutputs } from '../../src/track/yunet-decode.ts';
import { pyramidLevels } from '../../src/track/yunet-pyramid.ts';
import { face } from './helpers/faces.ts';

/** Empty YuNet outputs for a W×H input, with one cell of stride 16 at (col, row) set. */
function outputs(w: number, h: number, col: number, row: number): YunetOutputs {
  const out: YunetOutputs = {};
  for (const s of YUNET_STRIDES) {
    const n = (w / s) * (h / s);
    out[`cls_${s}`] = new Float32Array(n);
    out[`obj_${s}`] = new Float32Array(n);
    out[`bbox_${s}`] = new Float32Array(n * 4);
    out[`kps_${s}`] = new Float32Array(n * 10);
  }
  const i = row * (w / 16) + col;
  out.cls_16![i] = 0.81;
  out.obj_16![i] = 1.2; // clamped to 1
  out.bbox_16!.set([0.5, 0.25, Math.log(4), Math.log(5)], i * 4);
  out.kps_16!.set([-1, -1, 1, -1, 0, 0, -0.5, 1, 0.5, 1], i * 10);
  return out;
}

describe('decodeYunet', () => {
  it('turns one grid cell into a face in network pixels', () => {
    const [d, ...rest] = decodeYunet(outputs(64, 64, 2, 1), { inputWidth: 64, inputHeight: 64, scaleX: 1, scaleY: 1 }, 0.5);
    expect(rest).toEqual([]);
    expect(d!.score).toBeCloseTo(0.9, 6);
    // centre ((2 + 0.5)·16, (1 + 0.25)·16) = (40, 20); size 64 × 80
    d!.box.forEach((v, i) => expect(v).toBeCloseTo([8, -20, 64, 80][i]!, 4));
    expect(d!.landmarks).toEqual([
      [16, 0],
      [48, 0],
      [32, 16],
      [24, 32],
      [40, 32],
    ]);
  });

  it('maps back to source pixels through the downscale, centre-aligned', () => {
    const [d] = decodeYunet(outputs(64, 64, 2, 1), { inputWidth: 64, inputHeight: 64, scaleX: 0.5, scaleY: 0.25 }, 0.5);
    // network pixel u covers source [2u, 2u + 2): its centre is source 2u + 0.5
    expect(d!.landmarks[0]).toEqual([32.5, 1.5]);
    expect(d!.box[2]).toBeCloseTo(128, 4);
  });

  it('drops cells below the score threshold', () => {
    expect(decodeYunet(outputs(64, 64, 2, 1), { inputWidth: 64, inputHeight: 64, scaleX: 1, scaleY: 1 }, 0.95)).toEqual([]);
  });
});

describe('network input', () => {
  it('swaps to BGR planes and zero-pads', () => {
    const rgb = Uint8Array.from([10, 20, 30, 50, 60, 70]); // 2×1
    const out = toPlanarBgr(rgb, 2, 1, 3, 2);
    expect([...out]).toEqual([30, 70, 0, 0, 0, 0, 20, 60, 0, 0, 0, 0, 10, 50, 0, 0, 0, 0]);
  });

  it('shrinks by averaging, centre-aligned', async () => {
    // 8×8 black with a bright 2×2 block at (4,2): at half size it becomes one pixel at (2,1).
    const data = new Uint8Array(8 * 8 * 3);
    for (const [x, y] of [[4, 2], [5, 2], [4, 3], [5, 3]] as const) data.fill(200, (y * 8 + x) * 3, (y * 8 + x) * 3 + 3);
    const half = await shrinkRgb({ width: 8, height: 8, data }, 4, 4);
    expect(half.width).toBe(4);
    let sx = 0;
    let sy = 0;
    let sw = 0;
    for (let i = 0; i < 16; i++) {
      const v = half.data[i * 3]!;
      sx += v * (i % 4);
      sy += v * Math.floor(i / 4);
      sw += v;
    }
    expect(sx / sw).toBeCloseTo(2, 1);
    expect(sy / sw).toBeCloseTo(1, 1);
    expect(sw).toBeGreaterThan(150);
  });
});

describe('pyramidLevels', () => {
  it('adds a coarse level only where a face could outgrow the fine one', () => {
    expect(pyramidLevels(320, 240)).toEqual([{ width: 320, height: 240 }]);
    expect(pyramidLevels(640, 360)).toEqual([
      { width: 640, height: 360 },
      { width: 320, height: 180 },
    ]);
    expect(pyramidLevels(3840, 2160)).toEqual([
      { width: 1280, height: 720 },
      { width: 320, height: 180 },
    ]);
  });
});

describe('weightedNms', () => {
  it('averages overlapping candidates by score and keeps separate faces apart', () => {
    const a = face(100, 100, 60, 0.9);
    const b = face(104, 100, 60, 0.6);
    const c = face(300, 100, 60, 0.8);
    const out = weightedNms([b, c, a], 0.3);
    expect(out).toHaveLength(2);
    expect(out[0]!.score).toBe(0.9);
    expect(out[0]!.box[0]).toBeCloseTo((100 * 0.9 + 104 * 0.6) / 1.5, 6);
    expect(out[1]!.box[0]).toBe(300);
  });
});
