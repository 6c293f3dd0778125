/**
 * Blend lab (a development tool, not part of the benchmark's verdicts): replays the restore stage
 * in-process on the clips and tracks the last `bench/temporal/index.ts` run left in
 * bench/results/work/temporal, with an in-process noisy restorer (input + N(0, σ²) in model units,
 * rounded like the ONNX worker, the same noise for every variant) and the project's
 * TemporalBlender under several option sets side by side. It prints the flicker and seam flicker
 * (plain and motion-matched, as ratios to blending off), the mean weight of the past over the
 * crop's face region and the shares of it read from the frame's history and from a shift, the face-region PSNR
 * between blending on and off with a deterministic unsharp-mask restorer (ghosting: the identity
 * restorer cannot show it, the blend mixes the model's change only) and the main-thread ms per
 * blend call. The `identity` row is the floor no blending can remove: the flicker of the warp and
 * paste round trip itself (an identity restorer), as a ratio to the noisy restorer's without
 * blending. It uses the project's alignment, warp, mask and paste.
 *
 *   npx tsx bench/temporal/blend-lab.ts [--clips a,b] [--variants default,no-background]
 *        [--size 256] [--sigma 0.1] [--blend X (default: the balanced preset's)] [--options '{"changeLevels":8}']
 *        [--dump 10,20] [--flicker-map 20] [--per-frame] [--no-sharpen]
 */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Affine } from '../../src/restore/affine.ts';
import { resolveOptions } from '../../src/options/resolve-options.ts';
import { alignmentTransform } from '../../src/restore/align.ts';
import { faceMask } from '../../src/restore/mask.ts';
import { pasteCrop } from '../../src/restore/paste.ts';
import { FROM_FACE, FROM_FRAME, TemporalBlender, type BlendPlan, type TemporalBlendOptions } from '../../src/restore/temporal-blend.ts';
import { warpToCrop } from '../../src/restore/warp.ts';
import { createYunetDetector, readTracksFile } from '../../src/track/index.ts';
import { buildClip, CLIP_NAMES, detectStills, type ClipName } from './clips.ts';
import { decodeAll } from './media.ts';
import { addFaceError, addFlicker, addMatchedFlicker, frameMask, psnr, Rms } from './metrics.ts';
import { matchPrevious } from './reference.ts';
import { fmt, printTable } from './report.ts';
import { gaussian } from './render.ts';

/** Option sets to compare (strength comes from --blend unless a set names its own); each changes one thing. */
const VARIANTS: Record<string, Omit<TemporalBlendOptions, 'strength'> & { strength?: number }> = {
  default: {},
  'no-background': { background: false },
  'no-search': { search: 0 },
  'no-prefilter': { prefilter: 0 },
  'noise-0': { noise: 0 },
  'noise-1.5': { noise: 1.5 },
  'reach-0.5': { reach: 0.5 },
  'calm-0': { calmLevels: 0 },
  'change-6': { changeLevels: 6 },
  'change-16': { changeLevels: 16 },
  'region-3': { region: 3 },
  'region-12': { region: 12 },
  '@0.8': { strength: 0.8 },
  '@0.85': { strength: 0.85 },
  '@0.9': { strength: 0.9 },
  '@0.92': { strength: 0.92 },
};

/** In-process stand-in for the noisy test restorer, with the ONNX worker's rounding. */
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

/** A deterministic restorer that adds content-dependent detail (unsharp mask, 3×3 box, amount 1). */
function sharpenModel(S: number): (crop: Uint8Array) => Uint8Array {
  return (crop) => {
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
}

const { values } = parseArgs({
  options: {
    clips: { type: 'string', default: CLIP_NAMES.join(',') },
    size: { type: 'string', default: '256' },
    sigma: { type: 'string', default: '0.1' },
    /** default: the balanced preset's --temporal-blend */
    blend: { type: 'string' },
    variants: { type: 'string', default: 'default' },
    /** extra TemporalBlendOptions as JSON, applied to every variant */
    options: { type: 'string', default: '{}' },
    /** write the crop, the weight of the past and where it came from at these frames as PNGs into --dump-dir */
    dump: { type: 'string', default: '' },
    'dump-dir': { type: 'string', default: path.resolve('bench/results/work/blend-lab') },
    /** write, for these frames, the frame and its plain flicker per pixel (blending on, ×4) as PNGs into --dump-dir */
    'flicker-map': { type: 'string', default: '' },
    /** print each frame's share of the plain flicker, on/off */
    'per-frame': { type: 'boolean', default: false },
    /** skip the unsharp-mask runs (faster) */
    'no-sharpen': { type: 'boolean', default: false },
    work: { type: 'string', default: path.resolve('bench/results/work/temporal') },
    shared: { type: 'string', default: process.env.GPEN_VIDEO_SHARED ?? path.resolve('../shared') },
    seconds: { type: 'string', default: '3' },
  },
});

const S = Number(values.size);
const strength = values.blend === undefined ? resolveOptions({}).options.temporalBlend : Number(values.blend);
const extra = JSON.parse(values.options) as Partial<TemporalBlendOptions>;
const chosen = values.variants.split(',').filter(Boolean).map((name) => {
  const v = VARIANTS[name];
  if (!v) throw new Error(`unknown variant ${name}; known: ${Object.keys(VARIANTS).join(', ')}`);
  return [name, { strength, ...v, ...extra }] as const;
});
// The clips' known motion, for the matched flicker (the same specs the benchmark rendered).
const detector = await createYunetDetector({ modelPath: path.join(values.shared, 'models', 'face_detection_yunet_2026may.onnx') });
const stills = await detectStills(detector, path.join(values.shared, 'media'), ['obama_720p.jpg', 'biden.jpg', 'solvay_1927.png']);
await detector.close();
const mask = faceMask(S);
const dumps: Array<Promise<void>> = [];

const rows: string[][] = [['clip', 'variant', 'weight', 'frame/shift', 'flicker ×off', 'matched ×off', 'seam ×off', 'matched ×off', 'sharpen on↔off PSNR', 'ms/blend']];
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
  const crops = frames.map((f, t) =>
    tracks.facesForFrame(t).map((face) => {
      const toCrop = alignmentTransform(face.landmarks, 'gpen', S);
      return { trackId: face.trackId, toCrop, input: warpToCrop({ width, height, data: f }, toCrop, S) };
    }),
  );

  let current: (typeof crops)[number][number] | null = null;
  const run = (blender: TemporalBlender, model: (c: Uint8Array) => Uint8Array, clock?: { ms: number; calls: number; onFrame?: (t: number) => void }): Buffer[] =>
    frames.map((f, t) => {
      clock?.onFrame?.(t);
      if (tracks.cuts.has(t)) blender.reset();
      const live = new Set(crops[t]!.map((c) => c.trackId));
      for (const id of blender.trackIds()) if (!live.has(id)) blender.forget(id);
      const image = { width, height, data: Buffer.from(f) };
      for (const c of crops[t]!) {
        const restored = model(c.input);
        current = c;
        const t0 = performance.now();
        const data = blender.blend(c.trackId, t, c.input, restored, c.toCrop as Affine);
        if (clock) {
          clock.ms += performance.now() - t0;
          clock.calls++;
        }
        pasteCrop(image, { width: S, height: S, data }, mask, c.toCrop);
      }
      return image.data;
    });
  const measure = (out: Buffer[], perFrame?: number[]) => {
    const [f, s, mf, ms] = [new Rms(), new Rms(), new Rms(), new Rms()];
    for (let t = 1; t < frames.length; t++) {
      if (tracks.cuts.has(t)) continue;
      const before = f.sum;
      addFlicker(frames[t - 1]!, frames[t]!, out[t - 1]!, out[t]!, masks[t - 1]!, masks[t]!, f, s);
      perFrame?.push(f.sum - before);
      addMatchedFlicker(frames[t - 1]!, frames[t]!, out[t - 1]!, out[t]!, masks[t - 1]!, masks[t]!, width, height, matches[t]!, mf, ms);
    }
    return [f.value, mf.value, s.value, ms.value] as const;
  };
  const noisy = () => noisyModel(Number(values.sigma), 77);
  const offFrames: number[] = [];
  const off = measure(run(new TemporalBlender(S, { strength: 0 }), noisy()), offFrames);
  const ident = measure(run(new TemporalBlender(S, { strength: 0 }), (c) => c));
  rows.push([name, 'identity (floor)', '', '', ...ident.map((v, i) => fmt(v / off[i]!, 3)), '', '']);
  const sharpen = sharpenModel(S);
  const sharpOff = values['no-sharpen'] ? null : run(new TemporalBlender(S, { strength: 0 }), sharpen);
  for (const [label, options] of chosen) {
    const blender = new TemporalBlender(S, options);
    let wSum = 0, fSum = 0, sSum = 0, n = 0;
    blender.onPlan = ({ g, weight, source }) => {
      for (let p = 0; p < S * S; p++) {
        if (mask[p]! < 0.5) continue;
        const q = (((p / S / g) | 0) * S) / g + (((p % S) / g) | 0);
        wSum += weight[q]!;
        if (source[q] === FROM_FRAME) fSum += weight[q]!;
        else if (source[q] !== FROM_FACE) sSum += weight[q]!;
        n++;
      }
    };
    const dumpAt = new Set(values.dump.split(',').filter(Boolean).map(Number));
    let frameNo = -1;
    const diagnose = blender.onPlan;
    blender.onPlan = (plan) => {
      diagnose!(plan);
      if (dumpAt.has(frameNo)) dumps.push(dumpWeights(`${name}-${label}-${frameNo}-track${current!.trackId}`, plan, current!.input, S, values['dump-dir'], options.strength));
    };
    const clock = { ms: 0, calls: 0, onFrame: (t: number) => (frameNo = t) };
    const onFrames: number[] = [];
    const onOut = run(blender, noisy(), clock);
    const on = measure(onOut, onFrames);
    for (const t of values['flicker-map'].split(',').filter(Boolean).map(Number)) dumps.push(dumpFlicker(`${name}-${label}-flicker-${t}`, frames, onOut, masks, t, width, height, values['dump-dir']));
    if (values['per-frame']) console.error(`${name} ${label} per-frame flicker² on/off: ${onFrames.map((v, i) => (v / offFrames[i]!).toFixed(2)).join(' ')}`);
    let sharp = '';
    if (sharpOff) {
      const h = new Rms();
      const sharpOn = run(new TemporalBlender(S, options), sharpen);
      for (let t = 0; t < frames.length; t++) addFaceError(sharpOff[t]!, sharpOn[t]!, masks[t]!, h);
      sharp = fmt(psnr(h.value), 2);
    }
    rows.push([name, label, fmt(wSum / n, 3), `${fmt(fSum / Math.max(1e-9, wSum), 3)}/${fmt(sSum / Math.max(1e-9, wSum), 3)}`, ...on.map((v, i) => fmt(v / off[i]!, 3)), sharp, fmt(clock.ms / clock.calls, 1)]);
  }
  console.error(`${name} done`);
}
await Promise.all(dumps);
printTable(rows);

/** Frame t (left) and |flicker| per pixel over the face region (right, ×4, the channels' RMS). */
async function dumpFlicker(tag: string, inputs: readonly Buffer[], outputs: readonly Buffer[], masks: readonly Float32Array[], t: number, W: number, H: number, dir: string): Promise<void> {
  const sharp = (await import('sharp')).default;
  mkdirSync(dir, { recursive: true });
  const img = Buffer.alloc(W * 2 * H * 3);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const p = y * W + x, o = (y * 2 * W + x) * 3;
      let sq = 0;
      for (let c = 0; c < 3; c++) {
        img[o + c] = inputs[t]![3 * p + c]!;
        sq += (outputs[t]![3 * p + c]! - outputs[t - 1]![3 * p + c]! - (inputs[t]![3 * p + c]! - inputs[t - 1]![3 * p + c]!)) ** 2;
      }
      const v = masks[t]![p]! >= 0.5 && masks[t - 1]![p]! >= 0.5 ? Math.min(255, 4 * Math.sqrt(sq / 3)) : 0;
      img.fill(v, o + 3 * W, o + 3 * W + 3);
    }
  }
  await sharp(img, { raw: { width: 2 * W, height: H, channels: 3 } }).png().toFile(path.join(dir, `${tag}.png`));
}

/** The crop (left), the weight of the past (middle, white = strength) and its source (right: green = the face's history, red = the frame's, blue = the shift's). */
async function dumpWeights(tag: string, { g, weight: w0, source: s0 }: BlendPlan, input: Uint8Array, S: number, dir: string, strength: number): Promise<void> {
  const at = (p: number) => (((p / S / g) | 0) * S) / g + (((p % S) / g) | 0);
  const weight = Float32Array.from({ length: S * S }, (_, p) => w0[at(p)]!);
  const source = Uint8Array.from({ length: S * S }, (_, p) => s0[at(p)]!);
  const sharp = (await import('sharp')).default;
  mkdirSync(dir, { recursive: true });
  const img = Buffer.alloc(S * 3 * S * 3);
  for (let y = 0; y < S; y++) {
    for (let x = 0; x < S; x++) {
      const p = y * S + x, o = (y * 3 * S + x) * 3;
      img[o] = input[3 * p]!; img[o + 1] = input[3 * p + 1]!; img[o + 2] = input[3 * p + 2]!;
      const w = Math.round((255 * weight[p]!) / strength);
      img.fill(w, o + 3 * S, o + 3 * S + 3);
      img[o + 6 * S] = source[p] === FROM_FRAME ? w : 0; img[o + 6 * S + 1] = source[p] === FROM_FACE ? w : 0; img[o + 6 * S + 2] = source[p] !== FROM_FACE && source[p] !== FROM_FRAME ? w : 0;
    }
  }
  await sharp(img, { raw: { width: 3 * S, height: S, channels: 3 } }).png().toFile(path.join(dir, `${tag}.png`));
}
