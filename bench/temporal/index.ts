/**
 * Temporal stability benchmark (run on demand, not part of `npm test`). Renders clips with known
 * motion from the stills in ../shared/media, encodes them losslessly, tracks them with the
 * project's tracker and restores them with the test restorers through the real CLI, then measures
 * landmark jitter and error against the true trajectories, flicker, seam flicker, ghosting and
 * blending across cuts. Prints PASS/FAIL per clip and target, and writes
 * bench/results/temporal.json. Definitions: bench/temporal/README-section.md.
 *
 *   npx tsx bench/temporal/index.ts [--clips pan,cuts,…] [--seconds 3] [--size 256] [--sigma 0.1]
 *        [--blend X (default: the balanced preset's)] [--smoothing X] [--tracker-only] [--detector '{"refineBelow":0}'] [--keep] [--shared ../shared]
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { decodeFrames, probeMedia } from '../../src/decode/index.ts';
import { resolveOptions } from '../../src/options/resolve-options.ts';
import { trackOptionsOf } from '../../src/pipeline/track-video.ts';
import { createYunetDetector, readTracksFile, TracksWriter, trackFrames, type Detection, type Detector, type Frame, type TrackedFrame, type YunetDetectorOptions } from '../../src/track/index.ts';
import { resolveTrackOptions } from '../../src/track/track-options.ts';
import { buildClip, CLIP_NAMES, cutFrames, detectStills, locate, totalFrames, type ClipName, type ClipSpec } from './clips.ts';
import { decodeAll, encodeLossless, restoreArgs, runRestore, testModels } from './media.ts';
import { addFaceError, addFlicker, addMatchedFlicker, frameMask, landmarkStats, psnr, Rms, type FrameObservation, type LandmarkStats } from './metrics.ts';
import { matchPrevious, measureReferences, truthAt } from './reference.ts';
import { degrade, describeDegradation, renderFrame } from './render.ts';
import { fmt, landmarkTable, pf, printTable, TARGET, verdictLine } from './report.ts';
import type { Replay } from './replay.ts';

const { values } = parseArgs({
  options: {
    clips: { type: 'string', default: CLIP_NAMES.join(',') },
    seconds: { type: 'string', default: '3' },
    size: { type: 'string', default: '256' },
    sigma: { type: 'string', default: '0.1' },
    /** default: the balanced preset's --temporal-blend */
    blend: { type: 'string' },
    smoothing: { type: 'string' },
    'tracker-only': { type: 'boolean', default: false },
    /** keep the restored clips in bench/results/work/temporal (about 50 MB each) */
    keep: { type: 'boolean', default: false },
    /** YunetDetectorOptions as JSON, e.g. '{"refineBelow":0}' */
    detector: { type: 'string', default: '{}' },
    shared: { type: 'string', default: process.env.GPEN_VIDEO_SHARED ?? path.resolve('../shared') },
    out: { type: 'string', default: path.resolve('bench/results/temporal.json') },
  },
});

const clipNames = values.clips.split(',').filter(Boolean) as ClipName[];
for (const c of clipNames) if (!CLIP_NAMES.includes(c)) throw new Error(`unknown clip ${c}; known: ${CLIP_NAMES.join(', ')}`);
const seconds = Number(values.seconds);
const S = Number(values.size);
const sigma = Number(values.sigma);
const media = path.join(values.shared, 'media');
const modelsDir = path.join(values.shared, 'models');
const work = path.resolve('bench/results/work/temporal');
mkdirSync(work, { recursive: true });

// The tracker runs with what `gpen-video track` / `restore` resolve by default (the balanced preset's values).
const resolved = resolveOptions({ cli: values.smoothing === undefined ? {} : { landmarkSmoothing: Number(values.smoothing) } }).options;
const trackOptions = trackOptionsOf(resolved);
const smoothingRadius = resolveTrackOptions(trackOptions).smoothingRadius;
const blend = values.blend === undefined ? resolved.temporalBlend : Number(values.blend);

const detector = await createYunetDetector({ ...(JSON.parse(values.detector) as YunetDetectorOptions), modelPath: path.join(modelsDir, 'face_detection_yunet_2026may.onnx') });
const models = values['tracker-only'] ? null : await testModels(work, S, sigma);
const stills = await detectStills(detector, media, ['obama_720p.jpg', 'biden.jpg', 'solvay_1927.png']);

interface RestoreStats {
  flickerOff: number;
  flickerOn: number;
  seamOff: number;
  seamOn: number;
  /** the same, each pixel compared with the pixel that showed the same content in the frame before */
  matchedFlickerOff: number;
  matchedFlickerOn: number;
  matchedSeamOff: number;
  matchedSeamOn: number;
  ghostPsnrOff: number;
  ghostPsnrOn: number;
  /** with the deterministic detail-adding restorer (fast-motion clips only): face-region PSNR of blending on against off */
  sharpenOnVsOffPsnr: number | null;
  /** scene cuts: frames that must be bit-identical with blending on and off, and whether they are */
  cutCheck: { frames: number[]; identical: boolean[]; controlFramesDiffering: number } | null;
  seconds: number;
}

interface Row {
  clip: string;
  motion: string;
  degradation: string;
  size: string;
  frames: number;
  fast: boolean;
  truthCuts: number[];
  foundCuts: number[];
  referenceSamples: number[];
  landmarks: LandmarkStats;
  restore: RestoreStats | null;
  seconds: number;
}

const rows: Row[] = [];
const t00 = performance.now();
for (const name of clipNames) {
  const t0 = performance.now();
  const clip = await buildClip(name, { media, stills }, seconds);
  const n = totalFrames(clip);
  const refs = await measureReferences(clip, detector);

  // Render, degrade, encode losslessly; the pipeline's input is exactly these bytes.
  const frames: Buffer[] = [];
  for (let t = 0; t < n; t++) {
    const { seg, local } = locate(clip, t);
    frames.push(await degrade(renderFrame(clip.segments[seg]!.layers, local, clip.width, clip.height), clip.width, clip.height, clip.degrade, clip.seed * 100003 + t));
  }
  const input = path.join(work, `${name}.mkv`);
  await encodeLossless(frames, clip.width, clip.height, clip.fps, input);
  const decoded = await decodeAll(input);
  if (decoded.length !== n || decoded.some((d, t) => !d.equals(frames[t]!))) throw new Error(`${input} does not decode to the rendered frames: the clip is not lossless`);

  // Track in-process with the project's tracker and write the tracks file the restores reuse.
  const info = await probeMedia(input);
  const writer = new TracksWriter({ width: clip.width, height: clip.height, fps: clip.fps, frames: n });
  const observations: FrameObservation[] = [];
  // Every detection is recorded, so replay.ts can re-run the tracker offline with other settings.
  const replay: Replay = { clip: name, motion: clip.motion, degradation: '', size: '', truthCuts: cutFrames(clip), frames: [] };
  const recorded = new Map<number, Detection[]>();
  const recording: Detector = {
    detect: async (frame, signal) => {
      const found = await detector.detect(frame, signal);
      recorded.set((frame as Frame).index, found);
      return found;
    },
    close: () => Promise.resolve(),
  };
  for await (const tf of trackFrames(decodeFrames(input, info, { pixelFormat: 'rgb24' }), recording, { ...trackOptions, copyFrames: false }) as AsyncIterable<TrackedFrame>) {
    writer.add(tf);
    const t = tf.frame.index;
    const truths = truthAt(clip, refs, t);
    observations.push({ t, faces: tf.faces.map((f) => ({ trackId: f.trackId, raw: f.raw, landmarks: f.landmarks })), truths });
    replay.frames.push({ t, sceneCut: tf.sceneCut, detections: recorded.get(t) ?? null, truths });
    recorded.delete(t);
  }
  const tracksFile = path.join(work, `${name}.tracks.json`);
  await writer.finish(tracksFile);
  const landmarks = landmarkStats(observations);
  replay.degradation = clip.degrade.map(describeDegradation).join(', ') || 'clean';
  replay.size = `${clip.width}×${clip.height}`;
  writeFileSync(path.join(work, `${name}.replay.json`), JSON.stringify(replay));
  const tracks = await readTracksFile(tracksFile);

  let restore: RestoreStats | null = null;
  if (models) {
    const r0 = performance.now();
    const run = async (model: string, strength: number, tag: string, extra: string[] = []) => {
      const output = path.join(work, `${name}.${tag}.mkv`);
      runRestore({ input, output, model, tracks: tracksFile, temporalBlend: strength, extra }, modelsDir);
      const decodedOutput = await decodeAll(output);
      if (!values.keep) rmSync(output, { force: true });
      return decodedOutput;
    };
    const noisyOff = await run(models.noisy, 0, 'noisy-off');
    const noisyOn = await run(models.noisy, blend, 'noisy-on');
    const idOff = await run(models.identity, 0, 'identity-off');
    const idOn = await run(models.identity, blend, 'identity-on');
    const masks = Array.from({ length: n }, (_, t) => frameMask(tracks.facesForFrame(t), clip.width, clip.height, S));
    const sharpOff = clip.fast ? await run(models.sharpen, 0, 'sharpen-off') : null;
    const sharpOn = clip.fast ? await run(models.sharpen, blend, 'sharpen-on') : null;
    const cuts = new Set([...cutFrames(clip), ...tracks.cuts]);
    const [fOff, fOn, sOff, sOn, gOff, gOn, mfOff, mfOn, msOff, msOn, hOn] = Array.from({ length: 11 }, () => new Rms());
    for (let t = 0; t < n; t++) {
      addFaceError(frames[t]!, idOff[t]!, masks[t]!, gOff!);
      addFaceError(frames[t]!, idOn[t]!, masks[t]!, gOn!);
      if (sharpOff && sharpOn) addFaceError(sharpOff[t]!, sharpOn[t]!, masks[t]!, hOn!);
      if (t === 0 || cuts.has(t)) continue;
      addFlicker(frames[t - 1]!, frames[t]!, noisyOff[t - 1]!, noisyOff[t]!, masks[t - 1]!, masks[t]!, fOff!, sOff!);
      addFlicker(frames[t - 1]!, frames[t]!, noisyOn[t - 1]!, noisyOn[t]!, masks[t - 1]!, masks[t]!, fOn!, sOn!);
      const match = matchPrevious(clip, t);
      addMatchedFlicker(frames[t - 1]!, frames[t]!, noisyOff[t - 1]!, noisyOff[t]!, masks[t - 1]!, masks[t]!, clip.width, clip.height, match, mfOff!, msOff!);
      addMatchedFlicker(frames[t - 1]!, frames[t]!, noisyOn[t - 1]!, noisyOn[t]!, masks[t - 1]!, masks[t]!, clip.width, clip.height, match, mfOn!, msOn!);
    }
    let cutCheck: RestoreStats['cutCheck'] = null;
    const truthCuts = cutFrames(clip);
    if (truthCuts.length > 0) {
      // Seeded noise, one worker, one face per call: both runs draw the same noise for the same crops.
      const pin = ['--workers', '1', '--batch', '1'];
      const off = await run(models.seeded, 0, 'seeded-off', pin);
      const on = await run(models.seeded, blend, 'seeded-on', pin);
      cutCheck = {
        frames: truthCuts,
        identical: truthCuts.map((c) => on[c]!.equals(off[c]!)),
        controlFramesDiffering: on.filter((f, t) => !truthCuts.includes(t) && !f.equals(off[t]!)).length,
      };
    }
    restore = {
      flickerOff: fOff!.value,
      flickerOn: fOn!.value,
      seamOff: sOff!.value,
      seamOn: sOn!.value,
      matchedFlickerOff: mfOff!.value,
      matchedFlickerOn: mfOn!.value,
      matchedSeamOff: msOff!.value,
      matchedSeamOn: msOn!.value,
      ghostPsnrOff: psnr(gOff!.value),
      ghostPsnrOn: psnr(gOn!.value),
      sharpenOnVsOffPsnr: sharpOn ? psnr(hOn!.value) : null,
      cutCheck,
      seconds: (performance.now() - r0) / 1000,
    };
  }
  const row: Row = {
    clip: name,
    motion: clip.motion,
    degradation: clip.degrade.map(describeDegradation).join(', ') || 'clean',
    size: `${clip.width}×${clip.height}`,
    frames: n,
    fast: clip.fast,
    truthCuts: cutFrames(clip),
    foundCuts: [...tracks.cuts].sort((a, b) => a - b),
    referenceSamples: refs.map((r) => r.samples),
    landmarks,
    restore,
    seconds: (performance.now() - t0) / 1000,
  };
  rows.push(row);
  console.error(`${name}: ${row.seconds.toFixed(1)} s (restores ${restore ? restore.seconds.toFixed(1) : '–'} s), ${refs.length} faces, jitter ${landmarks.rawJitter.toFixed(4)} → ${landmarks.smoothJitter.toFixed(4)}, RMSE ${landmarks.rawRmse.toFixed(4)} → ${landmarks.smoothRmse.toFixed(4)}`);
}
await detector.close();

// ---- report ----
const f3 = (v: number) => fmt(v, 3);
const verdicts: Record<string, boolean[]> = { jitter: [], rmse: [], flicker: [], seam: [], ghosting: [], cuts: [] };
const t1 = landmarkTable(rows, verdicts);
const t2: string[][] = [['clip', 'flicker off', 'on', '×off', '≤0.35×', 'matched ×off', '≤0.35×', 'seam off', 'on', '×off', '≤0.35×', 'matched ×off', '≤0.35×', 'ghost PSNR off', 'on', 'drop dB', '≤0.5 dB', 'sharpen on↔off PSNR', 'cut frames on≡off']];
for (const r of rows) {
  const x = r.restore;
  if (!x) continue;
  const ratio = (on: number, off: number, target: number, key: string) => {
    const ok = on <= target * off;
    (verdicts[key] ??= []).push(ok);
    return [f3(on / off), pf(ok)];
  };
  const drop = x.ghostPsnrOff - x.ghostPsnrOn;
  const gOk = !Number.isFinite(drop) ? x.ghostPsnrOn >= x.ghostPsnrOff : drop <= TARGET.ghostDropDb;
  if (r.fast) verdicts.ghosting!.push(gOk);
  const sharpen = x.sharpenOnVsOffPsnr === null ? '–' : fmt(x.sharpenOnVsOffPsnr, 2);
  let cut = '–';
  if (x.cutCheck) {
    const ok = x.cutCheck.identical.every(Boolean);
    verdicts.cuts!.push(ok);
    cut = `${pf(ok)} (${x.cutCheck.frames.map((c, i) => `${c}:${x.cutCheck!.identical[i] ? '≡' : '≠'}`).join(' ')}; ${x.cutCheck.controlFramesDiffering} other frames differ)`;
  }
  t2.push([
    r.clip,
    f3(x.flickerOff),
    f3(x.flickerOn),
    ...ratio(x.flickerOn, x.flickerOff, TARGET.flickerRatio, 'flicker'),
    ...ratio(x.matchedFlickerOn, x.matchedFlickerOff, TARGET.flickerRatio, 'flicker (matched)'),
    f3(x.seamOff),
    f3(x.seamOn),
    ...ratio(x.seamOn, x.seamOff, TARGET.seamRatio, 'seam'),
    ...ratio(x.matchedSeamOn, x.matchedSeamOff, TARGET.seamRatio, 'seam (matched)'),
    f3(x.ghostPsnrOff),
    f3(x.ghostPsnrOn),
    Number.isFinite(drop) ? f3(drop) : '0 (both ∞)',
    r.fast ? pf(gOk) : `(${pf(gOk)})`,
    sharpen,
    cut,
  ]);
}
const print = printTable;
console.log(`Temporal stability — landmarks (tracker: landmarkSmoothing ${resolved.landmarkSmoothing}, radius ${smoothingRadius} frames; errors in inter-ocular distances)`);
print(t1);
if (rows.some((r) => r.restore)) {
  console.log();
  console.log(`Temporal stability — restore (crop ${S}, noisy σ ${sigma} for flicker, identity for ghosting, seeded noisy for cuts; --temporal-blend 0 vs ${blend}; 8-bit levels RMS)`);
  print(t2);
  console.log('(matched: output − input compared at the same point of the picture in the frame before, from the known motion;');
  console.log(' ghosting counts on fast-motion clips only, in parentheses elsewhere; sharpen on↔off: face-region PSNR between blending on and off with a deterministic unsharp-mask restorer, information only)');
  console.log(`example run: gpen-video ${restoreArgs({ input: 'CLIP.mkv', output: 'OUT.mkv', model: 'noisy.onnx', tracks: 'CLIP.tracks.json', temporalBlend: blend }).join(' ')}`);
}
console.log();
console.log(`${verdictLine(verdicts)}  (${((performance.now() - t00) / 1000).toFixed(0)} s)`);
mkdirSync(path.dirname(values.out), { recursive: true });
writeFileSync(values.out, JSON.stringify({ date: new Date().toISOString(), settings: { seconds, size: S, sigma, blend, landmarkSmoothing: resolved.landmarkSmoothing, smoothingRadius, detectThreshold: resolved.detectThreshold }, targets: TARGET, verdicts, rows }, null, 2));
