import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { decodeFrames, probeMedia } from '../../src/decode/index.ts';
import { runFfprobe } from '../../src/ffmpeg/run.ts';
import { writeRandomGpen, writeTestModel } from '../../src/models/convert.ts';
import { GraphBuilder } from '../../src/models/onnx/graph-builder.ts';
import { writeFileAtomic } from '../../src/models/write-atomic.ts';
import type { TestModelKind } from '../../src/models/test-models.ts';
import { alignmentTransform, type Landmarks } from '../../src/restore/align.ts';
import { apply, invert } from '../../src/restore/affine.ts';
import { faceMask } from '../../src/restore/mask.ts';
import { ffmpeg, realBinaries, tempPath } from '../helpers/clips.ts';
import { projectRoot, sharedPath } from '../helpers/shared.ts';

/*
 * Shared fixtures for the end-to-end pipeline tests: clips animated from the stills in ../shared,
 * the project's own test restorers, decoding to RGB with the project's decoder, the set of pixels a
 * paste may touch, PSNR, and an asynchronous CLI runner (for signals and memory sampling).
 */

/** Environment under which the CLI finds YuNet (read-only shared folder). */
export const modelsEnv = (): NodeJS.ProcessEnv => ({ GPEN_VIDEO_MODELS: sharedPath('models') });
export const yunetPath = (): string => sharedPath('models/face_detection_yunet_2026may.onnx');

const cache = new Map<string, Promise<string>>();
function once(key: string, build: () => Promise<string>): Promise<string> {
  let p = cache.get(key);
  if (!p) {
    p = build();
    cache.set(key, p);
  }
  return p;
}

/** A test restorer built by the project (`models build-test`), written once per test file. */
export function testModel(kind: TestModelKind, size: number): Promise<string> {
  return once(`model:${kind}:${size}`, async () => {
    const file = tempPath(`${kind}${size}.onnx`);
    await writeTestModel(file, kind, size);
    return file;
  });
}

/**
 * A GPEN-architecture model with random weights (`models build-random`): real GPEN compute, so an
 * inference takes long enough (about 0.3 s a face at S = 256 on two cores) to be interrupted.
 */
export function randomGpenModel(size: number): Promise<string> {
  return once(`model:random:${size}`, async () => {
    const file = tempPath(`gpen-random-${size}.onnx`);
    await writeRandomGpen(file, { size, seed: 1 });
    return file;
  });
}

/**
 * A deterministic restorer that changes every face a little: it scales the normalised input by
 * `gain` (a contrast change about mid-grey), built with the project's ONNX graph builder. Unlike
 * the identity it gives temporal blending something to blend; unlike `noisy` it gives the same
 * output for the same input, so two runs can be compared pixel for pixel.
 */
export function contrastModel(size: number, gain = 0.8): Promise<string> {
  return once(`model:contrast:${size}:${gain}`, async () => {
    const g = new GraphBuilder(`contrast-${size}`);
    const input = g.input('input', ['batch', 3, size, size]);
    g.op('Mul', [input, g.constFloat('gain', [1], [gain])], {}, 'output');
    g.output('output', ['batch', 3, size, size]);
    const file = tempPath(`contrast${size}.onnx`);
    await writeFileAtomic(file, g.toBytes({ 'gpen.size': String(size) }, 'gpen-video test restorer (contrast); not a face model'));
    return file;
  });
}

function audioInputs(count: number, duration: number, firstIndex: number): { inputs: string[]; maps: string[] } {
  const inputs: string[] = [];
  const maps: string[] = [];
  for (let i = 0; i < count; i++) {
    inputs.push('-f', 'lavfi', '-i', `sine=frequency=${440 + 220 * i}:sample_rate=${i === 0 ? 44100 : 22050}:duration=${duration}`);
    maps.push('-map', `${firstIndex + i}:a`);
  }
  return { inputs, maps: [...maps, ...(count > 0 ? ['-c:a', 'aac'] : [])] };
}

const media = (name: string) => sharedPath('media', name);

/**
 * Obama (left) and Biden (right) side by side, slowly zooming in and panning left: two moving
 * faces of about 80–120 px, 480×320, h264, with `audio` sine tracks.
 */
export function twoFacesClip(opts: { fps?: number; duration?: number; audio?: number } = {}): Promise<string> {
  const { fps = 12, duration = 2, audio = 1 } = opts;
  return once(`two:${fps}:${duration}:${audio}`, async () => {
    const n = Math.round(fps * duration);
    const out = tempPath(`two-faces-${fps}-${duration}-${audio}.mp4`);
    const a = audioInputs(audio, duration, 2);
    await ffmpeg([
      '-loop', '1', '-framerate', String(fps), '-i', media('obama_720p.jpg'),
      '-loop', '1', '-framerate', String(fps), '-i', media('biden.jpg'),
      ...a.inputs,
      '-filter_complex',
      `[0:v]crop=540:720:400:0[a];[1:v]scale=600:-2,crop=540:720:30:0[b];[a][b]hstack,` +
        `zoompan=z='1.1+0.2*on/${n}':x='iw/2-iw/zoom/2+20-on*${(48 / n).toFixed(3)}':y='ih/4-ih/zoom/4':d=1:s=480x320:fps=${fps},format=yuv420p[v]`,
      '-map', '[v]', ...a.maps,
      '-c:v', 'libx264', '-preset', 'ultrafast', '-crf', '20', '-t', String(duration), out,
    ]);
    return out;
  });
}

/** One face (Obama) panning and zooming gently in a small frame: cheap long clips. */
export function portraitClip(opts: { width?: number; height?: number; fps?: number; duration: number; audio?: number }): Promise<string> {
  const { width = 320, height = 240, fps = 10, duration, audio = 1 } = opts;
  return once(`portrait:${width}:${height}:${fps}:${duration}:${audio}`, async () => {
    const n = Math.round(fps * duration);
    const out = tempPath(`portrait-${width}x${height}-${fps}-${duration}-${audio}.mp4`);
    const a = audioInputs(audio, duration, 1);
    // a 4:3 window around the face, zoom oscillating so a long clip stays in frame
    await ffmpeg([
      '-loop', '1', '-framerate', String(fps), '-i', media('obama_720p.jpg'),
      ...a.inputs,
      '-filter_complex',
      `[0:v]crop=800:600:270:0,zoompan=z='1.2+0.15*sin(on/${Math.max(8, fps * 2)})':x='iw/2-iw/zoom/2+15*sin(on/${Math.max(6, fps)})':y='ih/4-ih/zoom/4':d=1:s=${width}x${height}:fps=${fps},format=yuv420p[v]`,
      '-map', '[v]', ...a.maps,
      '-c:v', 'libx264', '-preset', 'ultrafast', '-crf', '20', '-frames:v', String(n), '-t', String(duration), out,
    ]);
    return out;
  });
}

/**
 * A hard scene cut: `each` seconds of Obama zooming in, then `each` seconds of Biden zooming in,
 * 480×320 at `fps`; the first frame of the second shot is `fps × each`.
 */
export function sceneCutClip(opts: { fps?: number; each?: number } = {}): Promise<string> {
  const { fps = 12, each = 1 } = opts;
  return once(`cut:${fps}:${each}`, async () => {
    const n = Math.round(fps * each);
    const out = tempPath(`scene-cut-${fps}-${each}.mp4`);
    const zoom = (x: string, y: string) => `zoompan=z='1.1+0.25*on/${n}':x='${x}':y='${y}':d=1:s=480x320:fps=${fps}`;
    await ffmpeg([
      '-loop', '1', '-framerate', String(fps), '-t', String(each), '-i', media('obama_720p.jpg'),
      '-loop', '1', '-framerate', String(fps), '-t', String(each), '-i', media('biden.jpg'),
      '-filter_complex',
      `[0:v]crop=810:540:260:0,${zoom('iw/2-iw/zoom/2+on', 'ih/4-ih/zoom/4')},trim=end_frame=${n},setsar=1,format=yuv420p[a];` +
        `[1:v]scale=810:-2,crop=810:540:0:40,${zoom('iw/2-iw/zoom/2-on', 'ih/5-ih/zoom/5')},trim=end_frame=${n},setsar=1,format=yuv420p[b];` +
        `[a][b]concat=n=2:v=1:a=0[v]`,
      '-map', '[v]', '-c:v', 'libx264', '-preset', 'ultrafast', '-crf', '20', out,
    ]);
    return out;
  });
}

/** The 1927 Solvay photograph (29 small faces, 1328×568) as a still clip of `frames` frames. */
export function solvayClip(frames: number, fps = 10): Promise<string> {
  return once(`solvay:${frames}:${fps}`, async () => {
    const out = tempPath(`solvay-${frames}.mp4`);
    await ffmpeg([
      '-loop', '1', '-framerate', String(fps), '-i', media('solvay_1927.png'),
      '-vf', 'format=yuv420p', '-frames:v', String(frames),
      '-c:v', 'libx264', '-preset', 'ultrafast', '-crf', '16', out,
    ]);
    return out;
  });
}

export interface RgbFrame {
  index: number;
  pts: number;
  width: number;
  height: number;
  data: Buffer;
}

/** Every frame of a file as 8-bit RGB, through the project's decoder (ffmpeg with our colour flags). */
export async function decodeRgb(file: string): Promise<RgbFrame[]> {
  const info = await probeMedia(file);
  const frames: RgbFrame[] = [];
  for await (const f of decodeFrames(file, info, { pixelFormat: 'rgb24' })) frames.push(f);
  return frames;
}

/** PSNR over 8-bit samples, of all pixels or of those where `select` is non-zero (Infinity if equal). */
export function psnr(a: Uint8Array, b: Uint8Array, select?: Uint8Array): number {
  if (a.length !== b.length) throw new Error(`size ${a.length} vs ${b.length}`);
  let se = 0;
  let n = 0;
  for (let p = 0, i = 0; i < a.length; p++, i += 3) {
    if (select && !select[p]) continue;
    for (let c = 0; c < 3; c++) {
      const d = a[i + c]! - b[i + c]!;
      se += d * d;
    }
    n += 3;
  }
  if (n === 0) throw new Error('no pixels selected');
  return se === 0 ? Infinity : 10 * Math.log10((255 * 255 * n) / se);
}

/** Pixels (indices) where two RGB frames differ, optionally only where `select` is non-zero. */
export function differingPixels(a: Uint8Array, b: Uint8Array, select?: Uint8Array, invertSelect = false): number {
  let count = 0;
  for (let p = 0, i = 0; i < a.length; p++, i += 3) {
    if (select && Boolean(select[p]) === invertSelect) continue;
    if (a[i] !== b[i] || a[i + 1] !== b[i + 1] || a[i + 2] !== b[i + 2]) count++;
  }
  return count;
}

export interface PasteRegions {
  /** 1 where a paste could write (mask > 0 anywhere near the pixel's crop position), dilated */
  touch: Uint8Array;
  /** 1 where the mask is at least 0.5: the face proper */
  face: Uint8Array;
}

/**
 * Which pixels of a width×height frame the pipeline's paste may touch for faces with these
 * landmarks: each frame pixel is mapped through the alignment transform into the S×S crop, and
 * counts as touchable where any of the four mask samples around it is > 0 (conservative for the
 * bilinear mask lookup), then dilated by `dilate` px (the paste's mip levels blur the mask edge by
 * a little over a pixel). `face`: the bilinear mask value there is ≥ 0.5.
 */
export function pasteRegions(width: number, height: number, faces: readonly Landmarks[], size: number, dilate = 2): PasteRegions {
  const mask = faceMask(size);
  const raw = new Uint8Array(width * height);
  const face = new Uint8Array(width * height);
  for (const landmarks of faces) {
    const t = alignmentTransform(landmarks, 'gpen', size);
    const inv = invert(t);
    const corners = [apply(inv, 0, 0), apply(inv, size - 1, 0), apply(inv, 0, size - 1), apply(inv, size - 1, size - 1)];
    const x0 = Math.max(0, Math.floor(Math.min(...corners.map((p) => p[0]))) - 1);
    const x1 = Math.min(width - 1, Math.ceil(Math.max(...corners.map((p) => p[0]))) + 1);
    const y0 = Math.max(0, Math.floor(Math.min(...corners.map((p) => p[1]))) - 1);
    const y1 = Math.min(height - 1, Math.ceil(Math.max(...corners.map((p) => p[1]))) + 1);
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        const [u, v] = apply(t, x, y);
        if (u < -1 || v < -1 || u > size || v > size) continue;
        const ua = Math.min(size - 1, Math.max(0, Math.floor(u))), va = Math.min(size - 1, Math.max(0, Math.floor(v)));
        const ub = Math.min(size - 1, ua + 1), vb = Math.min(size - 1, va + 1);
        const m00 = mask[va * size + ua]!, m10 = mask[va * size + ub]!, m01 = mask[vb * size + ua]!, m11 = mask[vb * size + ub]!;
        const p = y * width + x;
        if (m00 > 0 || m10 > 0 || m01 > 0 || m11 > 0) raw[p] = 1;
        const fx = Math.min(1, Math.max(0, u - ua)), fy = Math.min(1, Math.max(0, v - va));
        const m = m00 * (1 - fx) * (1 - fy) + m10 * fx * (1 - fy) + m01 * (1 - fx) * fy + m11 * fx * fy;
        if (m >= 0.5) face[p] = 1;
      }
    }
  }
  const touch = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (!raw[y * width + x]) continue;
      for (let yy = Math.max(0, y - dilate); yy <= Math.min(height - 1, y + dilate); yy++) {
        touch.fill(1, yy * width + Math.max(0, x - dilate), yy * width + Math.min(width - 1, x + dilate) + 1);
      }
    }
  }
  return { touch, face };
}

export function count(mask: Uint8Array): number {
  let n = 0;
  for (const v of mask) n += v;
  return n;
}

export interface TracksJson {
  width: number;
  height: number;
  frames: number;
  cuts?: number[];
  tracks: Array<{ id: number; frames: Array<{ frame: number; landmarks: Landmarks }> }>;
}

export function readTracks(file: string): TracksJson {
  return JSON.parse(readFileSync(file, 'utf8')) as TracksJson;
}

/** Landmarks of every face in each frame, from a tracks file. */
export function landmarksByFrame(tracks: TracksJson): Landmarks[][] {
  const out: Landmarks[][] = Array.from({ length: tracks.frames }, () => []);
  for (const t of tracks.tracks) for (const e of t.frames) out[e.frame]!.push(e.landmarks);
  return out;
}

/** ffprobe (the real one) → stdout. */
export function ffprobe(args: string[]): Promise<string> {
  return runFfprobe(['-hide_banner', '-v', 'error', ...args], { binary: realBinaries.ffprobe });
}

/** The `{"done":true,…}` summary line printed by `--progress json`. */
export function summaryLine(stderr: string): { done: true; frames: number; faces_restored: number } {
  const line = stderr.split('\n').find((l) => l.startsWith('{"done":true'));
  if (!line) throw new Error(`no summary line in stderr:\n${stderr}`);
  return JSON.parse(line) as { done: true; frames: number; faces_restored: number };
}

/** Files in `dir` (hidden ones included): after a failure, neither the output nor a temp file may remain. */
export function filesIn(dir: string): string[] {
  return readdirSync(dir).sort();
}

export interface AsyncCliRun {
  pid: number;
  /** resolves on exit */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
  /** resolves with the first stderr line that satisfies `test` */
  waitForStderrLine(test: (line: string) => boolean): Promise<string>;
  kill(signal: NodeJS.Signals): void;
}

/** Starts the real CLI as a child process without waiting for it (signals, memory sampling). */
export function startCli(args: string[], env: NodeJS.ProcessEnv = {}): AsyncCliRun {
  const child = spawn(process.execPath, [path.join(projectRoot, 'bin', 'gpen-video.js'), ...args], {
    cwd: projectRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let partial = '';
  const waiters: Array<{ test: (l: string) => boolean; resolve: (l: string) => void }> = [];
  const lines: string[] = [];
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => {
    stderr += c;
    partial += c;
    const parts = partial.split('\n');
    partial = parts.pop()!;
    for (const line of parts) {
      lines.push(line);
      for (let i = waiters.length - 1; i >= 0; i--) {
        if (waiters[i]!.test(line)) waiters.splice(i, 1)[0]!.resolve(line);
      }
    }
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return {
    pid: child.pid!,
    exited,
    waitForStderrLine(test) {
      const hit = lines.find(test);
      if (hit !== undefined) return Promise.resolve(hit);
      return new Promise((resolve, reject) => {
        waiters.push({ test, resolve });
        exited.then(() => reject(new Error(`the CLI exited before printing the line awaited; stderr:\n${stderr}`)), reject);
      });
    },
    kill: (signal) => child.kill(signal),
  };
}

/** Direct children of a process (from /proc), with their command names. */
export function childrenOf(pid: number): Array<{ pid: number; comm: string }> {
  const out: Array<{ pid: number; comm: string }> = [];
  let tasks: string[] = [];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const task of tasks) {
    let text = '';
    try {
      text = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8');
    } catch {
      continue;
    }
    for (const c of text.split(/\s+/).filter(Boolean)) {
      out.push({ pid: Number(c), comm: processName(Number(c)) ?? '?' });
    }
  }
  return out;
}

/** A live (non-zombie) process's command name, or null where it is gone. */
export function processName(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    if (state === 'Z' || state === 'X') return null;
    return stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
  } catch {
    return null;
  }
}
