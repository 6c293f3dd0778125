/**
 * Throughput benchmark (run on demand), side by side in one run on generated 30 fps clips with 1
 * and 3 moving faces:
 *  - ffmpeg alone: decode + re-encode with the pipeline's encoder settings (x264 veryfast, CRF 18),
 *    and ffmpeg's rgb24 round trip (decode to raw RGB piped into the encoder: the floor of any
 *    pipeline that works on RGB frames);
 *  - the pipeline with the identity restorer (512): fps, peak RSS, CPU time per stage;
 *  - the pipeline with GPEN-256/-512 architectures (random weights) against pure inference of the
 *    same number of crops with the same restorer settings, measured in the same process right after;
 *  - peak RSS of a short and a long clip (memory must not grow with the video's length).
 * Each pipeline run is its own process (bench/run-restore.ts), so its peak RSS is its own.
 * Prints tables and writes bench/results/throughput.json.
 *
 *   npx tsx bench/throughput.ts [--quick] [--heights 720,1080] [--faces 1,3] [--seconds 10]
 *       [--gpen 256,512] [--gpen-heights 720,1080] [--gpen-faces 1,3] [--gpen-seconds 2]
 *       [--memory-seconds 10,60] [--repeat 1] [--device cpu|cuda|tensorrt] [--out bench/results/throughput.json]
 *
 * --quick: 720p, 1 face, 4 s clips, GPEN-256 on 1 s, memory 4 s vs 16 s (a few minutes).
 * --device: the pipeline's and the pure inference's provider (the GPEN models are then built as the
 * pipeline converts checkpoints for it: half graphs on cuda/tensorrt). The table says which
 * provider ran: a missing one falls back to the CPU.
 * An empty list skips a part, e.g. --heights '' --memory-seconds '' runs only the GPEN comparison.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { binaryPath } from '../src/ffmpeg/index.ts';
import { writeRandomGpen, writeTestModel } from '../src/models/convert.ts';
import { PRECISION_SUFFIX } from '../src/models/resolve.ts';
import { checkpointPrecision } from '../src/pipeline/open-models.ts';
import type { Device } from '../src/restore/restorer.ts';
import { procCpuMs } from './proc-cpu.ts';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    heights: { type: 'string' },
    faces: { type: 'string' },
    seconds: { type: 'string' },
    gpen: { type: 'string' },
    'gpen-heights': { type: 'string' },
    'gpen-faces': { type: 'string' },
    'gpen-seconds': { type: 'string' },
    'memory-seconds': { type: 'string' },
    repeat: { type: 'string', default: '1' },
    device: { type: 'string', default: 'cpu' },
    out: { type: 'string', default: path.resolve('bench/results/throughput.json') },
    shared: { type: 'string', default: path.resolve('../shared') },
  },
});
const quick = values.quick;
const list = (v: string | undefined, full: string, short: string) => (v ?? (quick ? short : full)).split(',').filter(Boolean).map(Number);
const heights = list(values.heights, '720,1080', '720');
const faceCounts = list(values.faces, '1,3', '1');
const seconds = list(values.seconds, '10', '4')[0]!;
const gpenSizes = list(values.gpen, '256,512', '256');
const gpenHeights = list(values['gpen-heights'], '720,1080', '720');
const gpenFaces = list(values['gpen-faces'], '1,3', '1');
const gpenSeconds = list(values['gpen-seconds'], '2', '1')[0]!;
const memorySeconds = list(values['memory-seconds'], '10,60', '4,16');
const repeat = Math.max(1, Number(values.repeat));
const device = values.device as Device;
const precision = checkpointPrecision({ device, fp16: false });

const root = path.resolve('bench/results/work');
mkdirSync(root, { recursive: true });
const ffmpeg = binaryPath('ffmpeg');
const media = (f: string) => path.join(values.shared, 'media', f);
const modelsDir = path.join(values.shared, 'models');
const FPS = 30;
const ENCODER = ['-c:v', 'libx264', '-preset', 'veryfast', '-crf', '18', '-pix_fmt', 'yuv420p'];

/** The stills and where their faces are (centre of YuNet's box, px): each tile is cut around its face. */
const STILLS = [
  { file: 'obama_720p.jpg', width: 1280, height: 720, face: [665, 175] },
  { file: 'biden.jpg', width: 970, height: 2204, face: [574, 374] },
] as const;

/**
 * 30 fps clip of `faces` portraits side by side, each gently swaying, with a sine audio track. Each
 * tile is cut from its still around the face (680 px of still to the tile's height, so a face is
 * some 230 px tall at 720p and 340 px at 1080p), then scaled and moved.
 */
function makeClip(height: number, faces: number, secs: number): string {
  const width = Math.round((height * 16) / 9 / 2) * 2;
  const file = path.join(root, `clip-v2-${height}p-${faces}f-${secs}s.mp4`);
  if (existsSync(file)) return file;
  const stills = Array.from({ length: faces }, (_, i) => STILLS[i % 2]!);
  const tile = Math.floor(width / faces / 2) * 2;
  const inputs = stills.flatMap((s) => ['-loop', '1', '-framerate', String(FPS), '-i', media(s.file)]);
  const chains = stills.map((s, i) => {
    const h = Math.min(680, s.height, Math.floor((s.width * height) / tile));
    const w = Math.round((h * tile) / height);
    const x = Math.max(0, Math.min(s.width - w, Math.round(s.face[0] - w / 2)));
    const y = Math.max(0, Math.min(s.height - h, Math.round(s.face[1] - 0.3 * h)));
    return `[${i}:v]crop=${w}:${h}:${x}:${y},scale=${tile + 80}:${height + 60},crop=${tile}:${height}:x='40+30*sin(t*${1 + i * 0.3})':y='30+20*cos(t*${1.2 + i * 0.2})',setsar=1[v${i}]`;
  });
  const stack = faces > 1 ? `${stills.map((_, i) => `[v${i}]`).join('')}hstack=inputs=${faces},pad=${width}:${height}:(ow-iw)/2:0,format=yuv420p[v]` : `[v0]pad=${width}:${height}:(ow-iw)/2:0,format=yuv420p[v]`;
  const temp = `${file}.part.mp4`;
  execFileSync(ffmpeg, ['-v', 'error', '-y', ...inputs, '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000', '-filter_complex', [...chains, stack].join(';'), '-map', '[v]', '-map', `${faces}:a`, '-t', String(secs), '-r', String(FPS), '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '18', '-c:a', 'aac', temp]);
  renameSync(temp, file);
  return file;
}

interface FfmpegRun { wallMs: number; cpuMs: number }

function timed(run: () => void): FfmpegRun {
  const c0 = procCpuMs('self', 'children');
  const t0 = performance.now();
  run();
  return { wallMs: performance.now() - t0, cpuMs: procCpuMs('self', 'children') - c0 };
}

function ffmpegAlone(input: string): FfmpegRun {
  return timed(() => execFileSync(ffmpeg, ['-v', 'error', '-y', '-i', input, '-map', '0', ...ENCODER, '-c:a', 'copy', path.join(root, 'ffmpeg-alone.mp4')]));
}

/** Decode to raw rgb24 piped into the same encoder, as the pipeline's two ffmpeg processes do, with nothing in between. */
function ffmpegRgbPipe(input: string, width: number, height: number): FfmpegRun {
  return timed(() =>
    execFileSync('/bin/sh', ['-c', `"$0" -v error -i "$1" -f rawvideo -pix_fmt rgb24 pipe:1 | "$0" -v error -y -f rawvideo -pix_fmt rgb24 -s ${width}x${height} -r ${FPS} -i pipe:0 ${ENCODER.join(' ')} "$2"`, ffmpeg, input, path.join(root, 'ffmpeg-rgb-pipe.mp4')]),
  );
}

interface RunResult {
  frames: number;
  facesRestored: number;
  wallMs: number;
  loadMs: number;
  maxRssMiB: number;
  cpuUserMs: number;
  cpuSystemMs: number;
  pureInferMs: number | null;
  pureInferCpuMs: number | null;
  provider: string | null;
  ffmpegMs: Record<string, number>;
  /** models ready → first crop sent to inference; last inference answered → output done */
  ends: { untilFirstInferenceMs: number | null; afterLastInferenceMs: number | null };
  stages: { wallMs: Record<string, number>; cpuMs: Record<string, number> };
  stats?: { stageMs: Record<string, number>; inferMs: number; inferCalls: number; crops: number };
}

function runPipeline(input: string, model: string, pureInference = false, facesPerFrame = 1): RunResult {
  const req = { input, output: path.join(root, 'restored.mp4'), options: { model, modelsDir, device, codec: 'libx264', encoderPreset: 'veryfast', crf: 18 }, pureInference, facesPerFrame };
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.resolve('bench/run-restore.ts'), JSON.stringify(req)], { encoding: 'utf8', env: { ...process.env, GPEN_VIDEO_MODELS: modelsDir, GPEN_VIDEO_STAGE_CPU: '1' }, maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`pipeline run failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as RunResult;
}

/** The best (fastest) of `repeat` runs: on a shared machine the slow ones measure the neighbours. */
function best<T extends { wallMs: number }>(run: () => T): T {
  let out: T | null = null;
  for (let i = 0; i < repeat; i++) {
    const r = run();
    if (!out || r.wallMs < out.wallMs) out = r;
  }
  return out!;
}

const STAGES = ['decode', 'detect', 'track', 'align', 'infer', 'blend', 'paste', 'encode'] as const;

/** CPU ms per frame by stage; `other` is the node process's CPU not inside a timed stage (startup, GC, I/O). */
function cpuPerFrame(r: RunResult): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of STAGES) out[s] = ((s === 'decode' || s === 'encode' ? r.ffmpegMs[s] : r.stages.cpuMs[s]) ?? 0) / r.frames;
  const inStages = Object.values(r.stages.cpuMs).reduce((a, b) => a + b, 0);
  out.other = Math.max(0, r.cpuUserMs + r.cpuSystemMs - inStages) / r.frames;
  out.total = Object.values(out).reduce((a, b) => a + b, 0);
  return out;
}

/**
 * The least ratio this machine allows, from what the same run measured: the model's own CPU (pure
 * inference) plus ffmpeg's decoding and encoding, and then also the detector's, spread over every
 * core with no gap, against the pure inference's wall time. Where the model alone keeps the cores
 * busy, whatever else runs adds to the wall time; no pipeline on these cores gets below this.
 */
function ratioFloor(r: RunResult, cores: number): { modelCores: number; ffmpeg: number; withDetect: number } | null {
  if (!r.pureInferMs || r.pureInferCpuMs === null) return null;
  const ffmpegCpu = Object.values(r.ffmpegMs).reduce((a, b) => a + b, 0);
  const floor = (cpu: number) => Math.max(r.pureInferMs!, cpu / cores) / r.pureInferMs!;
  return { modelCores: r.pureInferCpuMs / r.pureInferMs, ffmpeg: floor(r.pureInferCpuMs + ffmpegCpu), withDetect: floor(r.pureInferCpuMs + ffmpegCpu + (r.stages.cpuMs.detect ?? 0)) };
}

const fmt = (n: number, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : '–');
const stageCells = (c: Record<string, number>) => [...STAGES, 'other', 'total'].map((s) => fmt(c[s]!, 0));

const identity = path.join(root, 'identity-512.onnx');
if (!existsSync(identity)) await writeTestModel(identity, 'identity', 512);
const gpenModels: Record<number, string> = {};
for (const s of gpenSizes) {
  const file = path.join(root, `gpen-random-${s}${PRECISION_SUFFIX[precision]}.onnx`);
  if (!existsSync(file)) await writeRandomGpen(file, { size: s, precision });
  gpenModels[s] = file;
}

const machine = { cpus: availableParallelism(), model: cpus()[0]?.model ?? '?', loadavgAtStart: loadavg() };
console.error(`machine: ${machine.cpus} CPUs (${machine.model}), load average ${machine.loadavgAtStart.map((l) => l.toFixed(2)).join(' ')}`);

// 1. ffmpeg alone vs the identity pipeline
const rows: Array<Record<string, unknown>> = [];
for (const height of heights) {
  for (const faces of faceCounts) {
    const clip = makeClip(height, faces, seconds);
    const width = Math.round((height * 16) / 9 / 2) * 2;
    const frames = seconds * FPS;
    const alone = best(() => ffmpegAlone(clip));
    const pipe = best(() => ffmpegRgbPipe(clip, width, height));
    const id = best(() => runPipeline(clip, identity));
    const row = {
      case: `${height}p ${faces} face(s) ${seconds}s`,
      ffmpegFps: frames / (alone.wallMs / 1000),
      ffmpegCpuMsPerFrame: alone.cpuMs / frames,
      rgbPipeFps: frames / (pipe.wallMs / 1000),
      identityFps: id.frames / ((id.wallMs - id.loadMs) / 1000),
      identityFpsWithLoad: id.frames / (id.wallMs / 1000),
      identityRssMiB: id.maxRssMiB,
      cpuMsPerFrame: cpuPerFrame(id),
      identity: id,
    };
    rows.push(row);
    console.error(`${row.case}: ffmpeg ${fmt(row.ffmpegFps)} fps, rgb pipe ${fmt(row.rgbPipeFps)} fps, identity ${fmt(row.identityFps)} fps (${fmt(row.identityFps / row.ffmpegFps, 2)}×), peak RSS ${fmt(id.maxRssMiB, 0)} MiB`);
  }
}

// 2. GPEN architectures: pipeline vs pure inference of the same crops
const gpenRows: Array<Record<string, unknown>> = [];
for (const height of gpenHeights) {
  for (const faces of gpenFaces) {
    const clip = makeClip(height, faces, gpenSeconds);
    for (const size of gpenSizes) {
      const r = best(() => runPipeline(clip, gpenModels[size]!, true, faces));
      const steadyMs = r.wallMs - r.loadMs;
      const row = { case: `${height}p ${faces} face(s) ${gpenSeconds}s`, model: `GPEN-${size} (random)`, crops: r.stats?.crops ?? 0, wallMs: r.wallMs, loadMs: r.loadMs, steadyMs, pureInferMs: r.pureInferMs, ratio: steadyMs / r.pureInferMs!, ratioWithLoad: r.wallMs / r.pureInferMs!, floor: ratioFloor(r, machine.cpus), maxRssMiB: r.maxRssMiB, cpuMsPerFrame: cpuPerFrame(r), run: r };
      gpenRows.push(row);
      console.error(`${row.case} GPEN-${size}: pipeline ${fmt(steadyMs / 1000, 2)} s (+${fmt(r.loadMs / 1000, 2)} s loading) vs pure inference ${fmt(r.pureInferMs! / 1000, 2)} s → ${fmt(row.ratio, 3)}× (floor on ${machine.cpus} cores: ${row.floor ? `${fmt(row.floor.ffmpeg, 3)}× with ffmpeg, ${fmt(row.floor.withDetect, 3)}× with detection` : '–'}), peak RSS ${fmt(r.maxRssMiB, 0)} MiB`);
    }
  }
}

// 3. memory against the video's length
const memoryRows: Array<Record<string, unknown>> = [];
if (memorySeconds.length >= 2) {
  for (const secs of memorySeconds) {
    const r = runPipeline(makeClip(720, 1, secs), identity);
    memoryRows.push({ case: `720p 1 face ${secs}s, identity`, seconds: secs, frames: r.frames, maxRssMiB: r.maxRssMiB });
    console.error(`memory: 720p ${secs}s: peak RSS ${fmt(r.maxRssMiB, 0)} MiB`);
  }
}

const table = (t: string[][]) => {
  const widths = t[0]!.map((_, i) => Math.max(...t.map((r) => r[i]!.length)));
  console.log(t.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ')).join('\n'));
  console.log();
};
const stageHead = [...STAGES, 'other', 'total'];
const ranOn = [...new Set(gpenRows.map((r) => (r.run as RunResult).provider).filter((p) => p !== null))];
console.log(`gpen-video throughput, ${machine.cpus} CPUs, load average at start ${machine.loadavgAtStart.map((l) => l.toFixed(1)).join(' ')}${repeat > 1 ? `, best of ${repeat}` : ''}; --device ${device}${ranOn.length > 0 ? ` (GPEN ran on: ${ranOn.join(', ')})` : ''}`);
console.log('CPU ms per frame by stage (decode/encode: ffmpeg processes; other: node CPU outside the timed stages)\n');
table([
  ['clip', 'ffmpeg alone fps', 'rgb pipe fps', 'identity fps', 'vs ffmpeg', 'peak RSS MiB', ...stageHead],
  ...rows.map((r) => [String(r.case), fmt(r.ffmpegFps as number), fmt(r.rgbPipeFps as number), fmt(r.identityFps as number), `${fmt((r.identityFps as number) / (r.ffmpegFps as number), 2)}×`, fmt(r.identityRssMiB as number, 0), ...stageCells(r.cpuMsPerFrame as Record<string, number>)]),
]);
table([
  ['clip', 'model', 'crops', 'pipeline s', 'load s', 'pure inference s', 'ratio', 'model cores', 'floor +ffmpeg', 'floor +detect', 'to 1st crop s', 'after last s', 'peak RSS MiB', ...stageHead],
  ...gpenRows.map((r) => {
    const ends = (r.run as RunResult).ends;
    const s = (ms: number | null) => (ms === null ? '–' : fmt(ms / 1000, 2));
    const floor = r.floor as ReturnType<typeof ratioFloor>;
    const x = (v: number | undefined) => (v === undefined ? '–' : `${fmt(v, 3)}×`);
    return [String(r.case), String(r.model), String(r.crops), fmt((r.steadyMs as number) / 1000, 2), fmt((r.loadMs as number) / 1000, 2), fmt((r.pureInferMs as number) / 1000, 2), `${fmt(r.ratio as number, 3)}×`, floor ? fmt(floor.modelCores, 2) : '–', x(floor?.ffmpeg), x(floor?.withDetect), s(ends.untilFirstInferenceMs), s(ends.afterLastInferenceMs), fmt(r.maxRssMiB as number, 0), ...stageCells(r.cpuMsPerFrame as Record<string, number>)];
  }),
]);
if (memoryRows.length >= 2) {
  const first = memoryRows[0]!.maxRssMiB as number;
  table([['clip', 'frames', 'peak RSS MiB', 'vs first'], ...memoryRows.map((r) => [String(r.case), String(r.frames), fmt(r.maxRssMiB as number, 0), `${fmt((r.maxRssMiB as number) / first, 3)}×`])]);
}
console.log('identity fps and GPEN pipeline time exclude model loading (shown separately); ratio = pipeline / pure inference.');
console.log(`model cores: the pure inference's CPU over its wall time (${machine.cpus} here). floor +ffmpeg: the least ratio these cores allow with the model's and ffmpeg's CPU alone (max(1, (model CPU + ffmpeg CPU) / cores / pure inference)); floor +detect: with the detector's CPU too.`);
console.log("to 1st crop: models ready → the first face sent to the model (decoding and detecting up to the tracker's look-ahead); after last: the last inference → output done. Both are fixed per run: on short clips they weigh on the ratio.");
writeFileSync(values.out, JSON.stringify({ machine, device, quick, seconds, gpenSeconds, repeat, rows, gpenRows, memoryRows }, null, 2));
