/**
 * Blend lab (a development tool, not part of the benchmark's verdicts): replays the restore stage
 * in-process on the clips and tracks the last `bench/temporal/index.ts` run left in
 * bench/results/work/temporal, with an in-process noisy restorer (input + N(0, σ²) in model units,
 * rounded like the ONNX worker) and several temporal-blend variants side by side, and prints the
 * flicker, seam flicker (plain and motion-matched) and ghosting of each, ghosting with a
 * deterministic unsharp-mask restorer (the identity restorer cannot show it: the blend mixes the
 * model's change only). It uses the project's alignment, warp, mask and paste; only the blender
 * is swapped. `current` is the project's TemporalBlender itself, `re-impl` this file's copy of it
 * (which must agree with it to the last digit); the other variants change one thing at a time:
 * where the previous crop is taken from (`carry`), how input change is measured, the weight curve,
 * the strength. About 90 s per clip and variant set on two cores; pick with --clips / --variants.
 *
 *   npx tsx bench/temporal/blend-lab.ts [--clips a,b] [--variants current,face] [--prefilter]
 *        [--size 256] [--sigma 0.1] [--blend 0.6]
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { compose, invert, scaleOf, type Affine } from '../../src/restore/affine.ts';
import { alignmentTransform } from '../../src/restore/align.ts';
import { faceMask } from '../../src/restore/mask.ts';
import { pasteCrop } from '../../src/restore/paste.ts';
import { TemporalBlender, boxMean } from '../../src/restore/temporal-blend.ts';
import { warpToCrop } from '../../src/restore/warp.ts';
import { createYunetDetector, readTracksFile } from '../../src/track/index.ts';
import { buildClip, CLIP_NAMES, detectStills, locate as locateFrame, type ClipName } from './clips.ts';
import { applyAffine, invertAffine, topLayerMap } from './render.ts';
import { decodeAll } from './media.ts';
import { addFaceError, addFlicker, addMatchedFlicker, frameMask, psnr, Rms } from './metrics.ts';
import { matchPrevious } from './reference.ts';
import { fmt, printTable } from './report.ts';
import { gaussian } from './render.ts';

interface Blender {
  reset(): void;
  trackIds(): number[];
  forget(id: number): void;
  blend(trackId: number, frame: number, input: Uint8Array, restored: Uint8Array, toCrop: Affine): Uint8Array;
}

interface VariantOptions {
  /** how the input change is measured: local mean of |Δ| (current) or |local mean of Δ| (noise averages out first) */
  change: 'mean-abs' | 'abs-mean' | 'envelope';
  /** box radius of the local mean, as a fraction of S */
  box: number;
  /** change at which blending stops (8-bit levels) */
  tau: number;
  /** weight curve: strength·t² (current) or strength·t */
  curve: 'square' | 'linear';
  /** resample the previous crops with cubic instead of bilinear interpolation */
  cubic: boolean;
  /**
   * where the previous crop is taken from: `frame` carries it through prev.toCrop ∘ toCrop⁻¹ (the
   * current code: the same frame position, so a moving face is compared with where it was);
   * `face` uses it as it is (both crops are already aligned to the face)
   */
  carry: 'frame' | 'face' | 'register' | 'oracle';
}

/** For `oracle`: the true map from this frame's crop to the previous frame's crop of the same face (from the known motion). */
let ORACLE: ((toCrop: Affine, prevToCrop: Affine) => Affine) | null = null;

/** The project's blending algorithm, re-implemented with the knobs above (equal to `current` at its defaults). */
class VariantBlender implements Blender {
  private tracks = new Map<number, { toCrop: Affine; input: Uint8Array; output: Uint8Array }>();
  /** mean blend weight over the crop's face (mask ≥ 0.5), for diagnosis */
  weightSum = 0;
  weightCount = 0;
  constructor(private readonly S: number, private readonly strength: number, private readonly o: VariantOptions) {}
  reset(): void {
    this.tracks.clear();
  }
  trackIds(): number[] {
    return [...this.tracks.keys()];
  }
  forget(id: number): void {
    this.tracks.delete(id);
  }
  blend(trackId: number, _frame: number, input: Uint8Array, restored: Uint8Array, toCrop: Affine): Uint8Array {
    const prev = this.tracks.get(trackId);
    let out = restored;
    if (prev && this.strength > 0) {
      const ratio = scaleOf(toCrop) / scaleOf(prev.toCrop);
      if (ratio > 0.8 && ratio < 1.25) out = this.mix(prev, input, restored, toCrop);
    }
    this.tracks.set(trackId, { toCrop, input, output: out });
    return out;
  }
  private mix(prev: { toCrop: Affine; input: Uint8Array; output: Uint8Array }, input: Uint8Array, restored: Uint8Array, toCrop: Affine): Uint8Array {
    const S = this.S;
    const m: Affine =
      this.o.carry === 'frame' ? compose(prev.toCrop, invert(toCrop))
      : this.o.carry === 'register' ? register(prev.input, input, S)
      : this.o.carry === 'oracle' ? ORACLE!(toCrop, prev.toCrop)
      : [1, 0, 0, 0, 1, 0];
    const prevIn = new Float32Array(S * S * 3);
    const prevOut = new Float32Array(S * S * 3);
    const valid = resample(prev.input, prev.output, S, m, prevIn, prevOut, this.o.cubic);
    const d = new Float32Array(S * S);
    if (this.o.change === 'envelope') {
      // Distance of the input's luma from the range the previous input takes in a 3×3 neighbourhood:
      // a sub-pixel misregistration or resampling difference stays inside it, a real change does not.
      const yPrev = new Float32Array(S * S), yCur = new Float32Array(S * S);
      for (let p = 0, i = 0; p < S * S; p++, i += 3) {
        yPrev[p] = 0.299 * prevIn[i]! + 0.587 * prevIn[i + 1]! + 0.114 * prevIn[i + 2]!;
        yCur[p] = 0.299 * input[i]! + 0.587 * input[i + 1]! + 0.114 * input[i + 2]!;
      }
      for (let y = 0; y < S; y++) {
        for (let x = 0; x < S; x++) {
          let lo = Infinity, hi = -Infinity;
          for (let dy = -1; dy <= 1; dy++) {
            const yy = y + dy < 0 ? 0 : y + dy >= S ? S - 1 : y + dy;
            for (let dx = -1; dx <= 1; dx++) {
              const xx = x + dx < 0 ? 0 : x + dx >= S ? S - 1 : x + dx;
              const v = yPrev[yy * S + xx]!;
              if (v < lo) lo = v;
              if (v > hi) hi = v;
            }
          }
          const c = yCur[y * S + x]!;
          d[y * S + x] = c > hi ? c - hi : c < lo ? lo - c : 0;
        }
      }
    } else {
      for (let p = 0, i = 0; p < S * S; p++, i += 3) {
        const v = 0.299 * (input[i]! - prevIn[i]!) + 0.587 * (input[i + 1]! - prevIn[i + 1]!) + 0.114 * (input[i + 2]! - prevIn[i + 2]!);
        d[p] = this.o.change === 'mean-abs' ? Math.abs(v) : v;
      }
    }
    let local = boxMean(d, S, Math.max(1, Math.round(S * this.o.box)));
    if (this.o.change === 'abs-mean') local = local.map(Math.abs);
    const out = new Uint8Array(S * S * 3);
    for (let p = 0, i = 0; p < S * S; p++, i += 3) {
      let a = 0;
      if (valid[p]) {
        const t = 1 - local[p]! / this.o.tau;
        a = t > 0 ? this.strength * (this.o.curve === 'square' ? t * t : t) : 0;
      }
      if (FACE[p]! >= 0.5) {
        this.weightSum += a;
        this.weightCount++;
      }
      for (let c = i; c < i + 3; c++) {
        const v = restored[c]! + a * (prevOut[c]! - prevIn[c]! - (restored[c]! - input[c]!));
        out[c] = v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
      }
    }
    return out;
  }
}

let FACE: Float32Array = new Float32Array(0);

/**
 * Residual translation between two face-aligned crops by Lucas–Kanade on blurred luma over the
 * crop's face (mask ≥ 0.5): the d for which prev(c + d) ≈ cur(c). Returns c ↦ c + d.
 */
function register(prev: Uint8Array, cur: Uint8Array, S: number): Affine {
  const luma = (img: Uint8Array) => {
    const l = new Float32Array(S * S);
    for (let p = 0, i = 0; p < S * S; p++, i += 3) l[p] = 0.299 * img[i]! + 0.587 * img[i + 1]! + 0.114 * img[i + 2]!;
    return blurPlane(l, S, 1.5);
  };
  const I0 = luma(prev), I1 = luma(cur);
  const at = (I: Float32Array, x: number, y: number) => {
    const x0 = Math.min(S - 2, Math.max(0, Math.floor(x))), y0 = Math.min(S - 2, Math.max(0, Math.floor(y)));
    const fx = x - x0, fy = y - y0;
    return (I[y0 * S + x0]! * (1 - fx) + I[y0 * S + x0 + 1]! * fx) * (1 - fy) + (I[(y0 + 1) * S + x0]! * (1 - fx) + I[(y0 + 1) * S + x0 + 1]! * fx) * fy;
  };
  let dx = 0, dy = 0;
  for (let it = 0; it < 4; it++) {
    let axx = 0, axy = 0, ayy = 0, bx = 0, by = 0;
    for (let y = 2; y < S - 2; y += 2) {
      for (let x = 2; x < S - 2; x += 2) {
        if (FACE[y * S + x]! < 0.5) continue;
        const gx = (at(I0, x + dx + 1, y + dy) - at(I0, x + dx - 1, y + dy)) / 2;
        const gy = (at(I0, x + dx, y + dy + 1) - at(I0, x + dx, y + dy - 1)) / 2;
        const e = at(I0, x + dx, y + dy) - I1[y * S + x]!;
        axx += gx * gx; axy += gx * gy; ayy += gy * gy; bx += gx * e; by += gy * e;
      }
    }
    const det = axx * ayy - axy * axy;
    if (!(det > 1e-9)) break;
    const sx = -(ayy * bx - axy * by) / det, sy = -(axx * by - axy * bx) / det;
    dx += sx; dy += sy;
    if (Math.abs(dx) > 8 || Math.abs(dy) > 8) return [1, 0, 0, 0, 1, 0];
    if (Math.hypot(sx, sy) < 0.01) break;
  }
  return [1, 0, dx, 0, 1, dy];
}

function blurPlane(src: Float32Array, S: number, sigma: number): Float32Array {
  const r = Math.ceil(3 * sigma);
  const k = Array.from({ length: 2 * r + 1 }, (_, i) => Math.exp(-((i - r) ** 2) / (2 * sigma * sigma)));
  const sum = k.reduce((a, b) => a + b, 0);
  const tmp = new Float32Array(S * S), out = new Float32Array(S * S);
  for (let y = 0; y < S; y++) for (let x = 0; x < S; x++) {
    let v = 0;
    for (let i = -r; i <= r; i++) v += k[i + r]! * src[y * S + Math.min(S - 1, Math.max(0, x + i))]!;
    tmp[y * S + x] = v / sum;
  }
  for (let y = 0; y < S; y++) for (let x = 0; x < S; x++) {
    let v = 0;
    for (let i = -r; i <= r; i++) v += k[i + r]! * tmp[Math.min(S - 1, Math.max(0, y + i)) * S + x]!;
    out[y * S + x] = v / sum;
  }
  return out;
}

function resample(a: Uint8Array, b: Uint8Array, S: number, m: Affine, outA: Float32Array, outB: Float32Array, cubic: boolean): Uint8Array {
  const valid = new Uint8Array(S * S);
  const wx = new Float64Array(4), wy = new Float64Array(4);
  const kw = (t: number, w: Float64Array) => {
    const t2 = t * t, t3 = t2 * t;
    w[0] = -0.5 * t3 + t2 - 0.5 * t; w[1] = 1.5 * t3 - 2.5 * t2 + 1; w[2] = -1.5 * t3 + 2 * t2 + 0.5 * t; w[3] = 0.5 * t3 - 0.5 * t2;
  };
  for (let v = 0; v < S; v++) {
    for (let u = 0; u < S; u++) {
      const x = m[0] * u + m[1] * v + m[2];
      const y = m[3] * u + m[4] * v + m[5];
      if (!(x >= 0 && y >= 0 && x <= S - 1 && y <= S - 1)) continue;
      const p = v * S + u;
      valid[p] = 1;
      const x0 = Math.floor(x), y0 = Math.floor(y);
      if (!cubic) {
        const x1 = x0 + 1 < S ? x0 + 1 : x0, y1 = y0 + 1 < S ? y0 + 1 : y0;
        const fx = x - x0, fy = y - y0;
        const w00 = (1 - fx) * (1 - fy), w10 = fx * (1 - fy), w01 = (1 - fx) * fy, w11 = fx * fy;
        const i00 = (y0 * S + x0) * 3, i10 = (y0 * S + x1) * 3, i01 = (y1 * S + x0) * 3, i11 = (y1 * S + x1) * 3;
        for (let c = 0; c < 3; c++) {
          outA[p * 3 + c] = a[i00 + c]! * w00 + a[i10 + c]! * w10 + a[i01 + c]! * w01 + a[i11 + c]! * w11;
          outB[p * 3 + c] = b[i00 + c]! * w00 + b[i10 + c]! * w10 + b[i01 + c]! * w01 + b[i11 + c]! * w11;
        }
        continue;
      }
      kw(x - x0, wx);
      kw(y - y0, wy);
      for (let c = 0; c < 3; c++) {
        let sa = 0, sb = 0;
        for (let j = 0; j < 4; j++) {
          const yy = Math.min(S - 1, Math.max(0, y0 + j - 1));
          for (let i = 0; i < 4; i++) {
            const xx = Math.min(S - 1, Math.max(0, x0 + i - 1));
            const w = wx[i]! * wy[j]!;
            sa += a[(yy * S + xx) * 3 + c]! * w;
            sb += b[(yy * S + xx) * 3 + c]! * w;
          }
        }
        outA[p * 3 + c] = sa;
        outB[p * 3 + c] = sb;
      }
    }
  }
  return valid;
}


/** Separable Gaussian blur of an interleaved RGB S×S crop (edges clamped). */
function blurCrop(src: Uint8Array, S: number, sigma: number): Uint8Array {
  const r = Math.max(1, Math.ceil(3 * sigma));
  const k = Array.from({ length: 2 * r + 1 }, (_, i) => Math.exp(-((i - r) ** 2) / (2 * sigma * sigma)));
  const sum = k.reduce((a, b) => a + b, 0);
  const tmp = new Float32Array(src.length);
  const out = new Uint8Array(src.length);
  for (let y = 0; y < S; y++) for (let x = 0; x < S; x++) for (let c = 0; c < 3; c++) {
    let v = 0;
    for (let i = -r; i <= r; i++) v += k[i + r]! * src[(y * S + Math.min(S - 1, Math.max(0, x + i))) * 3 + c]!;
    tmp[(y * S + x) * 3 + c] = v / sum;
  }
  for (let y = 0; y < S; y++) for (let x = 0; x < S; x++) for (let c = 0; c < 3; c++) {
    let v = 0;
    for (let i = -r; i <= r; i++) v += k[i + r]! * tmp[(Math.min(S - 1, Math.max(0, y + i)) * S + x) * 3 + c]!;
    out[(y * S + x) * 3 + c] = Math.round(v / sum);
  }
  return out;
}

/** In-process stand-ins for the test restorers, with the ONNX worker's rounding. */
function noisyModel(sigma: number, seed: number): (crop: Uint8Array) => Uint8Array {
  const g = gaussian(seed);
  return (crop) => {
    const out = new Uint8Array(crop.length);
    for (let i = 0; i < crop.length; i++) {
      const x = crop[i]! / 127.5 - 1 + sigma * g();
      out[i] = Math.round((x > 1 ? 1 : x > -1 ? x : -1) * 127.5 + 127.5);
    }
    return out;
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      clips: { type: 'string', default: CLIP_NAMES.join(',') },
      size: { type: 'string', default: '256' },
      sigma: { type: 'string', default: '0.1' },
      blend: { type: 'string', default: '0.6' },
      work: { type: 'string', default: path.resolve('bench/results/work/temporal') },
      shared: { type: 'string', default: process.env.GPEN_VIDEO_SHARED ?? path.resolve('../shared') },
      seconds: { type: 'string', default: '3' },
      variants: { type: 'string' },
      /** low-pass each blended crop before pasting, Gaussian σ = 0.5 × crop pixels per frame pixel (an anti-aliased paste) */
      prefilter: { type: 'boolean', default: false },
    },
  });
  // The clips' known motion, for the matched flicker (the same specs the benchmark rendered).
  const detector = await createYunetDetector({ modelPath: path.join(values.shared, 'models', 'face_detection_yunet_2026may.onnx') });
  const stills = await detectStills(detector, path.join(values.shared, 'media'), ['obama_720p.jpg', 'biden.jpg', 'solvay_1927.png']);
  await detector.close();
  const S = Number(values.size);
  const strength = Number(values.blend);
  const base: VariantOptions = { change: 'mean-abs', box: 1 / 64, tau: 14, curve: 'square', cubic: false, carry: 'frame' };
  const variants: Array<[string, () => Blender]> = [
    ['off', () => new TemporalBlender(S, { strength: 0 })],
    ['current', () => new TemporalBlender(S, { strength })],
    ['re-impl', () => new VariantBlender(S, strength, base)],
    ['face', () => new VariantBlender(S, strength, { ...base, carry: 'face' })],
    ['face+envelope', () => new VariantBlender(S, strength, { ...base, carry: 'face', change: 'envelope' })],
    ['face+envelope+linear', () => new VariantBlender(S, strength, { ...base, carry: 'face', change: 'envelope', curve: 'linear' })],
    ['face+envelope+linear @0.7', () => new VariantBlender(S, 0.7, { ...base, carry: 'face', change: 'envelope', curve: 'linear' })],
    ['register+envelope+linear', () => new VariantBlender(S, strength, { ...base, carry: 'register', change: 'envelope', curve: 'linear', cubic: true })],
    ['oracle+envelope+linear', () => new VariantBlender(S, strength, { ...base, carry: 'oracle', change: 'envelope', curve: 'linear', cubic: true })],
    ['face+envelope+linear @0.8', () => new VariantBlender(S, 0.8, { ...base, carry: 'face', change: 'envelope', curve: 'linear' })],
  ];

  const mask = faceMask(S);
  FACE = mask;
  /** A deterministic restorer that adds content-dependent detail (unsharp mask, 3×3 box, amount 1): ghosting shows as any difference blending makes. */
  const sharpen = (crop: Uint8Array): Uint8Array => {
    const out = new Uint8Array(crop.length);
    for (let y = 0; y < S; y++) for (let x = 0; x < S; x++) for (let c = 0; c < 3; c++) {
      let sum = 0;
      for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) sum += crop[(Math.min(S - 1, Math.max(0, y + dy)) * S + Math.min(S - 1, Math.max(0, x + dx))) * 3 + c]!;
      const i = (y * S + x) * 3 + c;
      const v = 2 * crop[i]! - sum / 9;
      out[i] = v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
    }
    return out;
  };
  const rows: string[][] = [['clip', 'variant', 'mean weight', 'flicker', '×off', 'matched ×off', 'seam', '×off', 'matched ×off', 'sharpen on↔off PSNR']];
  const chosen = values.variants ? variants.filter(([label]) => label === 'off' || values.variants!.split(',').includes(label)) : variants;
  variants.splice(0, variants.length, ...chosen);
  for (const name of values.clips.split(',').filter(Boolean)) {
    const input = path.join(values.work, `${name}.mkv`);
    const tracksFile = path.join(values.work, `${name}.tracks.json`);
    if (!existsSync(input) || !existsSync(tracksFile)) {
      console.error(`${name}: no clip or tracks in ${values.work}; run bench/temporal/index.ts first`);
      continue;
    }
    const clip = await buildClip(name as ClipName, { media: path.join(values.shared, 'media'), stills }, Number(values.seconds));
    const frames = await decodeAll(input);
    const matches = frames.map((_, t) => (t > 0 ? matchPrevious(clip, t) : null));
    const tracks = await readTracksFile(tracksFile);
    const { width, height } = tracks.data;
    const masks = frames.map((_, t) => frameMask(tracks.facesForFrame(t), width, height, S));
    const crops = frames.map((f, t) => tracks.facesForFrame(t).map((face) => {
      const toCrop = alignmentTransform(face.landmarks, 'gpen', S);
      return { trackId: face.trackId, toCrop, input: warpToCrop({ width, height, data: f }, toCrop, S) };
    }));
    const run = (blender: Blender, model: (c: Uint8Array) => Uint8Array): Buffer[] => {
      return frames.map((f, t) => {
        const { seg, local } = locateFrame(clip, t);
        const layers = clip.segments[seg]!.layers;
        ORACLE = (toCrop, prevToCrop) => {
          // the layer under the crop's centre carries the face: crop_t → frame_t → layer → frame_t−1 → crop_t−1
          const centre = applyAffine(invert(toCrop), [S / 2, S / 2]);
          const top = topLayerMap(layers, local, width, height);
          const j = top[Math.min(height - 1, Math.max(0, Math.round(centre[1]))) * width + Math.min(width - 1, Math.max(0, Math.round(centre[0])))]!;
          const layer = layers[j]!;
          return compose(prevToCrop, compose(layer.pose(local - 1), compose(invertAffine(layer.pose(local)), invert(toCrop))));
        };
        if (tracks.cuts.has(t)) blender.reset();
        const live = new Set(crops[t]!.map((c) => c.trackId));
        for (const id of blender.trackIds()) if (!live.has(id)) blender.forget(id);
        const image = { width, height, data: Buffer.from(f) };
        for (const c of crops[t]!) {
          let data = blender.blend(c.trackId, t, c.input, model(c.input), c.toCrop);
          if (values.prefilter && scaleOf(c.toCrop) > 1) data = blurCrop(data, S, 0.5 * scaleOf(c.toCrop));
          pasteCrop(image, { width: S, height: S, data }, mask, c.toCrop);
        }
        return image.data;
      });
    };
    let offF = NaN, offS = NaN, offMF = NaN, offMS = NaN;
    let sharpOff: Buffer[] = [];
    for (const [label, make] of variants) {
      const blender = make();
      const out = run(blender, noisyModel(Number(values.sigma), 77));
      const weight = blender instanceof VariantBlender ? fmt(blender.weightSum / blender.weightCount, 3) : '';
      const sharp = run(make(), sharpen);
      if (label === 'off') sharpOff = sharp;
      const [f, s, mf, ms, h] = [new Rms(), new Rms(), new Rms(), new Rms(), new Rms()];
      for (let t = 0; t < frames.length; t++) {
        addFaceError(sharpOff[t]!, sharp[t]!, masks[t]!, h);
        if (t === 0 || tracks.cuts.has(t)) continue;
        addFlicker(frames[t - 1]!, frames[t]!, out[t - 1]!, out[t]!, masks[t - 1]!, masks[t]!, f, s);
        addMatchedFlicker(frames[t - 1]!, frames[t]!, out[t - 1]!, out[t]!, masks[t - 1]!, masks[t]!, width, height, matches[t]!, mf, ms);
      }
      if (label === 'off') [offF, offS, offMF, offMS] = [f.value, s.value, mf.value, ms.value];
      rows.push([name, label, weight, fmt(f.value, 3), fmt(f.value / offF, 3), fmt(mf.value / offMF, 3), fmt(s.value, 3), fmt(s.value / offS, 3), fmt(ms.value / offMS, 3), fmt(psnr(h.value), 2)]);
    }
    console.error(`${name} done`);
  }
  printTable(rows);
}
