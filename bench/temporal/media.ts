/**
 * I/O for the temporal benchmark: lossless clips through the project's ffmpeg, frames back through
 * the project's decoder, restores through the real CLI, and the test restorers.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { decodeFrames, probeMedia } from '../../src/decode/index.ts';
import { binaryPath, runFfmpeg } from '../../src/ffmpeg/index.ts';
import { writeTestModel } from '../../src/models/convert.ts';
import { f, GraphBuilder } from '../../src/models/onnx/graph-builder.ts';

/** Encodes rgb24 frames losslessly (FFV1, RGB stored as bgr0) into an .mkv. */
export async function encodeLossless(frames: readonly Buffer[], width: number, height: number, fps: number, file: string): Promise<void> {
  const args = [
    '-hide_banner', '-nostdin', '-loglevel', 'error', '-y',
    '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${width}x${height}`, '-r', String(fps), '-i', 'pipe:0',
    '-c:v', 'ffv1', '-level', '3', '-pix_fmt', 'bgr0', file,
  ];
  const handle = runFfmpeg(args, { stdin: 'pipe', binary: binaryPath('ffmpeg'), task: `writing ${file}` });
  for (const frame of frames) await handle.write(frame);
  handle.end();
  await handle.done;
}

/** Every frame of a video as rgb24, through the project's decoder. */
export async function decodeAll(file: string): Promise<Buffer[]> {
  const info = await probeMedia(file);
  const out: Buffer[] = [];
  for await (const frame of decodeFrames(file, info, { pixelFormat: 'rgb24' })) out.push(frame.data);
  return out;
}

export interface RestoreRun {
  input: string;
  output: string;
  model: string;
  tracks: string;
  temporalBlend: number;
  /** extra CLI arguments */
  extra?: string[];
}

/** The restore command line a run uses (model and tracks by path; lossless RGB output). */
export function restoreArgs(r: RestoreRun): string[] {
  return [
    'restore', r.input, '-o', r.output, '--overwrite', '--model', r.model, '--tracks', r.tracks,
    '--temporal-blend', String(r.temporalBlend), '--codec', 'ffv1', '--pix-fmt', 'bgr0', '--progress', 'none', ...(r.extra ?? []),
  ];
}

/** Runs `node bin/gpen-video.js restore …`; returns the wall time in seconds. */
export function runRestore(r: RestoreRun, modelsDir: string): number {
  const t0 = performance.now();
  const cli = path.resolve('bin/gpen-video.js');
  const p = spawnSync(process.execPath, [cli, ...restoreArgs(r)], { encoding: 'utf8', env: { ...process.env, GPEN_VIDEO_MODELS: modelsDir }, maxBuffer: 16 << 20 });
  if (p.status !== 0) throw new Error(`gpen-video ${restoreArgs(r).join(' ')} failed (${p.status}):\n${p.stderr}`);
  return (performance.now() - t0) / 1000;
}

/**
 * The test restorers: `identity`, `noisy` (the project's, fresh unseeded noise every call),
 * `seeded` (the same noise, but from a fixed seed, so two runs that make the same calls get the
 * same noise: what the bit-exact scene-cut check needs) and `sharpen` (deterministic detail).
 */
export async function testModels(dir: string, size: number, sigma: number): Promise<{ identity: string; noisy: string; seeded: string; sharpen: string }> {
  const identity = path.join(dir, `identity-${size}.onnx`);
  const noisy = path.join(dir, `noisy-${size}-${sigma}.onnx`);
  const seeded = path.join(dir, `seeded-noisy-${size}-${sigma}.onnx`);
  const sharpen = path.join(dir, `sharpen-${size}.onnx`);
  if (!existsSync(sharpen)) {
    // A deterministic restorer that adds detail which depends on the content (an unsharp mask,
    // amount 1 over a 3×3 box): blending the previous frame's detail into a moving face shows.
    const g = new GraphBuilder(`sharpen-${size}`);
    const input = g.input('input', ['batch', 3, size, size]);
    const k = new Float32Array(3 * 9).fill(-1 / 9);
    for (let c = 0; c < 3; c++) k[c * 9 + 4] = 2 - 1 / 9;
    const w = g.constFloat('kernel', [3, 1, 3, 3], k);
    g.op('Conv', [input, w], { group: 3, kernel_shape: [3, 3], pads: [1, 1, 1, 1] }, 'output');
    g.output('output', ['batch', 3, size, size]);
    writeFileSync(sharpen, g.toBytes({ 'gpen.architecture': 'test-sharpen', 'gpen.size': String(size) }, 'benchmark restorer: unsharp mask'));
  }
  if (!existsSync(identity)) await writeTestModel(identity, 'identity', size);
  if (!existsSync(noisy)) await writeTestModel(noisy, 'noisy', size, sigma);
  if (!existsSync(seeded)) {
    const g = new GraphBuilder(`seeded-noisy-${size}`);
    const input = g.input('input', ['batch', 3, size, size]);
    const noise = g.op('RandomNormalLike', [input], { mean: f(0), scale: f(sigma), seed: f(1234) }, 'noise');
    g.op('Add', [input, noise], {}, 'output');
    g.output('output', ['batch', 3, size, size]);
    writeFileSync(seeded, g.toBytes({ 'gpen.architecture': 'test-noisy', 'gpen.size': String(size), 'gpen.sigma': String(sigma) }, 'benchmark restorer: seeded noise'));
  }
  return { identity, noisy, seeded, sharpen };
}
