/**
 * Speed of TemporalBlender.blend(), the post stage's biggest CPU cost, on synthetic but realistic
 * sequences of crops: faces cut from ../shared/media stills moved by known motions (still, a slow
 * pan, fast motion, an occluder crossing the face, a scale jump) over a textured background, with
 * film grain, sub-pixel landmark jitter, and a "restorer" that adds σ 25 levels of noise. Each
 * sequence interleaves two tracks (a large face: gate grid 1, and a small one: grid 2 or 4) and
 * crosses a chain restart (frame numbers past 2·blendHorizon), so every path of the blend runs.
 *
 * With --reference (a copy of an earlier temporal-blend.ts) both implementations blend the same
 * calls in lockstep: it prints ms per call for both and exits 1 unless every returned crop is
 * byte-identical. Without it, it only times the current implementation.
 *
 *   npx tsx bench/blend-speed.ts [--reference /tmp/blend-ref/temporal-blend.ts] [--sizes 256,512]
 *        [--strengths 0.9,0.8] [--scenes still,pan,fast,occluder,scale-jump] [--frames 64]
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { invert, type Affine } from '../src/restore/affine.ts';
import { alignmentTransform } from '../src/restore/align.ts';
import { FROM_FRAME, FROM_SHIFT, TemporalBlender, blendHorizon, type TemporalBlendOptions } from '../src/restore/temporal-blend.ts';
import { warpSourceRect, warpToCrop } from '../src/restore/warp.ts';
import { ellipseAlpha, gaussian, loadStill, placeAt, uniform, type FloatImage, type Pt } from './temporal/render.ts';
import { fmt, printTable } from './temporal/report.ts';

const { values } = parseArgs({
  options: {
    reference: { type: 'string' },
    sizes: { type: 'string', default: '256,512' },
    strengths: { type: 'string', default: '0.9,0.8' },
    scenes: { type: 'string', default: 'still,pan,fast,occluder,scale-jump' },
    frames: { type: 'string', default: '64' },
    shared: { type: 'string', default: process.env.GPEN_VIDEO_SHARED ?? path.resolve('../shared') },
  },
});

interface Blender {
  blend(trackId: number, frame: number, input: Uint8Array, restored: Uint8Array, toCrop: Affine): Uint8Array;
}
type BlenderClass = new (size: number, options: TemporalBlendOptions) => Blender;
const Reference: BlenderClass | null = values.reference
  ? ((await import(pathToFileURL(path.resolve(values.reference)).href)) as { TemporalBlender: BlenderClass }).TemporalBlender
  : null;

// ---- the world: stills, sprites and layers ----

/** A picture placed in the frame: `pose(t)` maps its pixels to frame pixels; `alpha` null is opaque (edges clamped). */
interface Layer {
  image: FloatImage;
  alpha: Float32Array | null;
  pose: (t: number) => Affine;
}

const media = path.join(values.shared, 'media');
const obama = await loadStill(path.join(media, 'obama_720p.jpg'), 1);
const biden = await loadStill(path.join(media, 'biden.jpg'), 0.5);
const solvay = await loadStill(path.join(media, 'solvay_1927.png'), 1);
// landmarks found by the project's YuNet detector on the stills (left eye, right eye, nose, mouth corners)
const OBAMA: readonly Pt[] = [[627.1, 141.9], [703.4, 141.8], [664, 183.9], [631.4, 215.4], [698.7, 216.2]];
const SOLVAY: readonly Pt[] = [[540, 225.6], [559.1, 226.1], [549.2, 236.1], [541.1, 245.2], [555.9, 245.5]];
const centre = (l: readonly Pt[]): Pt => [l.reduce((s, p) => s + p[0], 0) / l.length, l.reduce((s, p) => s + p[1], 0) / l.length];
const obamaAlpha = ellipseAlpha(obama.width, obama.height, 665, 170, 95, 125);
// the occluder: Biden's face as a soft disc (another face passing in front)
const bidenAlpha = ellipseAlpha(biden.width, biden.height, 295, 200, 110, 130);
const bidenCentre: Pt = [295, 200];

const FRAME = 4096; // a virtual frame: only what a crop reads is rendered
const MID: Pt = [FRAME / 2, FRAME / 2];

/** Bilinear sample of all three channels at (x, y), edges clamped, into rgb. */
function sample(img: FloatImage, x: number, y: number, rgb: Float32Array): void {
  const W = img.width, H = img.height;
  const xc = x < 0 ? 0 : x > W - 1 ? W - 1 : x, yc = y < 0 ? 0 : y > H - 1 ? H - 1 : y;
  const x0 = Math.floor(xc), y0 = Math.floor(yc);
  const x1 = x0 + 1 < W ? x0 + 1 : x0, y1 = y0 + 1 < H ? y0 + 1 : y0;
  const fx = xc - x0, fy = yc - y0, d = img.data;
  const w00 = (1 - fx) * (1 - fy), w10 = fx * (1 - fy), w01 = (1 - fx) * fy, w11 = fx * fy;
  const i00 = (y0 * W + x0) * 3, i10 = (y0 * W + x1) * 3, i01 = (y1 * W + x0) * 3, i11 = (y1 * W + x1) * 3;
  for (let c = 0; c < 3; c++) rgb[c] = d[i00 + c]! * w00 + d[i10 + c]! * w10 + d[i01 + c]! * w01 + d[i11 + c]! * w11;
}

/** Standard normal samples, drawn once: each call reads them from its own offset (cheap, deterministic). */
const NORMAL = (() => {
  const g = gaussian(12345);
  return Float32Array.from({ length: 1 << 20 }, g);
})();
const normalAt = (seed: number) => (uniform(seed)() * (1 << 20)) | 0;

function alphaAt(layer: Layer, x: number, y: number): number {
  const { width: W, height: H } = layer.image;
  const u = Math.round(x), v = Math.round(y);
  return u < 0 || v < 0 || u >= W || v >= H ? 0 : layer.alpha![v * W + u]!;
}

/** The frame's pixels in `rect` (composited layers, then film grain of σ ≈ 2 levels), as bytes. */
function renderRect(layers: readonly Layer[], t: number, rect: readonly [number, number, number, number], seed: number): { width: number; height: number; data: Uint8Array } {
  const [x0, y0, x1, y1] = rect;
  const width = x1 - x0 + 1, height = y1 - y0 + 1;
  const acc = new Float32Array(width * height * 3);
  const rgb = new Float32Array(3);
  for (const layer of layers) {
    const inv = invert(layer.pose(t));
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const fx = x + x0, fy = y + y0;
        const u = inv[0] * fx + inv[1] * fy + inv[2], v = inv[3] * fx + inv[4] * fy + inv[5];
        const a = layer.alpha ? alphaAt(layer, u, v) : 1;
        if (a <= 0) continue;
        const o = (y * width + x) * 3;
        sample(layer.image, u, v, rgb);
        for (let c = 0; c < 3; c++) acc[o + c] = acc[o + c]! * (1 - a) + rgb[c]! * a;
      }
    }
  }
  const data = new Uint8Array(acc.length);
  for (let i = 0, n = normalAt(seed); i < acc.length; i++) {
    const v = acc[i]! + 2 * NORMAL[(n + i) & ((1 << 20) - 1)]!;
    data[i] = v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
  }
  return { width, height, data };
}

// ---- scenes: how the face, the background and an occluder move ----

interface Track {
  layers: Layer[];
  /** the face's landmarks in the frame at t (before jitter) */
  landmarks: (t: number) => Pt[];
}

type Motion = (t: number) => { at: Pt; scale: number; angle: number };
const SCENES: Record<string, { motion: Motion; occluder?: boolean; small: number }> = {
  still: { motion: () => ({ at: [0, 0], scale: 1, angle: 0 }), small: 1 },
  pan: { motion: (t) => ({ at: [0.8 * t, 0.3 * t], scale: 1, angle: 0.002 * t }), small: 2 },
  // 15–25 source pixels a frame, turning back every 12 frames
  fast: {
    motion: (t) => {
      let x = 0;
      for (let k = 0; k < t; k++) x += (Math.floor(k / 12) % 2 === 0 ? 1 : -1) * (20 + 5 * Math.sin(k / 3));
      return { at: [x, 6 * Math.sin(t / 5)], scale: 1, angle: 0.01 * Math.sin(t / 9) };
    },
    small: 1,
  },
  occluder: { motion: (t) => ({ at: [0.3 * t, 0], scale: 1, angle: 0 }), occluder: true, small: 1.5 },
  // a slow zoom, then a jump by 1.4× half-way (a different face for the blender: it starts afresh)
  'scale-jump': { motion: (t) => ({ at: [0.5 * t, 0], scale: (1 + 0.005 * t) * (t >= 32 ? 1.4 : 1), angle: 0 }), small: 1 },
};

function track(which: 1 | 2, scene: (typeof SCENES)[string], frames: number): Track {
  const m = scene.motion;
  const faceLm = which === 1 ? OBAMA : SOLVAY;
  const anchor = centre(faceLm);
  const zoom = which === 1 ? 1 : scene.small;
  const facePose = (t: number): Affine => {
    const { at, scale, angle } = m(t);
    return placeAt(anchor, [MID[0] + at[0], MID[1] + at[1]], zoom * scale, angle);
  };
  const layers: Layer[] =
    which === 1
      ? [
          // Obama's face cut out, moving over a still textured background (the Solvay picture)
          { image: solvay, alpha: null, pose: () => placeAt([640, 300], MID, 1.5) },
          { image: obama, alpha: obamaAlpha, pose: facePose },
        ]
      : // a small face in a crowd: the whole picture moves with the camera
        [{ image: solvay, alpha: null, pose: facePose }];
  if (scene.occluder) {
    // crosses the face from left to right over the sequence, its own way (and a little downwards)
    const iod = 76 * zoom * (which === 1 ? 1 : 19.1 / 76);
    layers.push({
      image: biden,
      alpha: bidenAlpha,
      pose: (t) => placeAt(bidenCentre, [MID[0] - 3.5 * iod + (7 * iod * t) / frames, MID[1] + 0.4 * iod + 0.05 * iod * (t / 8)], (0.9 * iod) / 63, 0),
    });
  }
  return {
    layers,
    landmarks: (t) => {
      const p = facePose(t);
      return faceLm.map(([x, y]) => [p[0] * x + p[1] * y + p[2], p[3] * x + p[4] * y + p[5]] as Pt);
    },
  };
}

/** One call's arguments. */
interface Call {
  trackId: number;
  frame: number;
  input: Uint8Array;
  restored: Uint8Array;
  toCrop: Affine;
  g: number;
}

function* calls(sceneName: string, S: number, strength: number, frames: number): Generator<Call> {
  const scene = SCENES[sceneName]!;
  const H = blendHorizon(strength);
  // the still scene starts the video (frames before H: one chain); the others cross a restart at 2H
  const start = sceneName === 'still' ? 0 : 2 * H - Math.floor(frames / 3);
  const tracks = [track(1, scene, frames), track(2, scene, frames)];
  let seed = 1;
  for (let t = 0; t < frames; t++) {
    for (let k = 0; k < 2; k++) {
      seed++;
      const jitter = uniform(seed * 7919);
      // smoothed landmarks still wander a little
      const lm = tracks[k]!.landmarks(t).map(([x, y]) => [x + 0.5 * (jitter() - 0.5), y + 0.5 * (jitter() - 0.5)] as const);
      const toCrop = alignmentTransform(lm, 'gpen', S);
      const rect = warpSourceRect(FRAME, FRAME, toCrop, S);
      const src = renderRect(tracks[k]!.layers, t, rect, seed * 31);
      const input = warpToCrop(src, toCrop, S, undefined, [rect[0], rect[1]]);
      const restored = new Uint8Array(input.length);
      for (let i = 0, n = normalAt(seed * 104729); i < input.length; i++) {
        const v = input[i]! + 25 * NORMAL[(n + i) & ((1 << 20) - 1)]!;
        restored[i] = v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
      }
      const scale = Math.sqrt(Math.abs(toCrop[0] * toCrop[4] - toCrop[1] * toCrop[3]));
      let g = 1;
      while (g < 4 && 2 * g <= scale && (S / (2 * g)) % 1 === 0 && S / (2 * g) >= 16) g *= 2;
      yield { trackId: k + 1, frame: start + t, input, restored, toCrop, g };
    }
  }
}

// ---- the run ----

const sizes = values.sizes.split(',').map(Number);
const strengths = values.strengths.split(',').map(Number);
const sceneNames = values.scenes.split(',').filter(Boolean);
for (const s of sceneNames) if (!SCENES[s]) throw new Error(`unknown scene ${s}; known: ${Object.keys(SCENES).join(', ')}`);
const frames = Number(values.frames);

const table: string[][] = [['scene', 'size', 'strength', 'frames', 'calls', 'grids', 'from frame', 'from shift', ...(Reference ? ['reference ms', 'new ms', 'speed-up', 'identical'] : ['ms/call'])]];
const totals = new Map<number, { ref: number; cur: number; n: number }>();
let mismatches = 0;
for (const S of sizes) {
  for (const strength of strengths) {
    for (const name of sceneNames) {
      const ref = Reference ? new Reference(S, { strength }) : null;
      const cur = new TemporalBlender(S, { strength });
      // where the plans read the past from (its cost is not counted in the timings)
      let gates = 0, fromFrame = 0, fromShift = 0, tPlans = 0;
      cur.onPlan = (plan) => {
        const t0 = performance.now();
        gates += plan.source.length;
        for (const s of plan.source) {
          if (s === FROM_FRAME) fromFrame++;
          else if (s === FROM_SHIFT) fromShift++;
        }
        tPlans += performance.now() - t0;
      };
      let tRef = 0, tCur = 0, n = 0, bad = 0;
      const grids = new Set<number>();
      let first = -Infinity, last = -Infinity;
      // in chunks of 8 frames, each implementation on its own (as in the pipeline, not interleaved)
      const chunk: Call[] = [];
      const run = () => {
        const want: Uint8Array[] = [];
        if (ref) {
          const t0 = performance.now();
          for (const c of chunk) want.push(ref.blend(c.trackId, c.frame, c.input, c.restored, c.toCrop));
          tRef += performance.now() - t0;
        }
        const got: Uint8Array[] = [];
        const t0 = performance.now();
        for (const c of chunk) got.push(cur.blend(c.trackId, c.frame, c.input, c.restored, c.toCrop));
        tCur += performance.now() - t0;
        chunk.forEach((c, k) => {
          if (!ref || Buffer.compare(want[k]!, got[k]!) === 0) return;
          if (bad++ === 0) {
            const i = want[k]!.findIndex((v, j) => v !== got[k]![j]);
            console.error(`MISMATCH ${name} S=${S} strength=${strength} track ${c.trackId} frame ${c.frame}: byte ${i}: ${want[k]![i]} vs ${got[k]![i]}`);
          }
        });
        n += chunk.length;
        chunk.length = 0;
      };
      for (const c of calls(name, S, strength, frames)) {
        grids.add(c.g);
        if (first === -Infinity) first = c.frame;
        last = c.frame;
        chunk.push(c);
        if (chunk.length === 16) run();
      }
      run();
      tCur -= tPlans;
      mismatches += bad;
      const tot = totals.get(S) ?? { ref: 0, cur: 0, n: 0 };
      totals.set(S, { ref: tot.ref + tRef, cur: tot.cur + tCur, n: tot.n + n });
      const share = (k: number) => `${fmt((100 * k) / Math.max(1, gates), 1)}%`;
      const row = [name, String(S), String(strength), `${first}–${last}`, String(n), [...grids].sort().join(','), share(fromFrame), share(fromShift)];
      row.push(...(ref ? [fmt(tRef / n, 2), fmt(tCur / n, 2), `${fmt(tRef / tCur, 2)}×`, bad === 0 ? 'yes' : `NO (${bad} crops)`] : [fmt(tCur / n, 2)]));
      table.push(row);
      console.error(`${name} ${S} ${strength} done`);
    }
  }
}
for (const [S, t] of totals) {
  table.push(['all', String(S), '', '', String(t.n), '', '', '', ...(Reference ? [fmt(t.ref / t.n, 2), fmt(t.cur / t.n, 2), `${fmt(t.ref / t.cur, 2)}×`, ''] : [fmt(t.cur / t.n, 2)])]);
}
console.log(`TemporalBlender.blend(): ms per call${Reference ? `, reference ${values.reference} vs current` : ''} (two tracks interleaved; grids: crop pixels per gate pixel)`);
printTable(table);
if (Reference) {
  console.log(mismatches === 0 ? 'byte-identical: every returned crop matches the reference' : `MISMATCH: ${mismatches} crops differ from the reference`);
  if (mismatches > 0) process.exitCode = 1;
}
