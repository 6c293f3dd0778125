/**
 * Throughput benchmark (run on demand): ffmpeg alone vs the pipeline with the identity restorer vs
 * GPEN-architecture models (random weights), side by side in one run, on generated 30 fps clips
 * with 1 and 3 faces. Prints a table and writes bench/results/throughput.json.
 *
 *   npx tsx bench/throughput.ts [--heights 720,1080] [--faces 1,3] [--seconds 10] [--gpen 256,512] [--gpen-seconds 2]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { binaryPath } from '../src/ffmpeg/index.ts';
import { writeRandomGpen, writeTestModel } from '../src/models/convert.ts';

const { values } = parseArgs({
  options: {
    heights: { type: 'string', default: '720,1080' },
    faces: { type: 'string', default: '1,3' },
    seconds: { type: 'string', default: '10' },
    gpen: { type: 'string', default: '256,512' },
    'gpen-seconds': { type: 'string', default: '2' },
    'gpen-heights': { type: 'string', default: '720' },
    shared: { type: 'string', default: path.resolve('../shared') },
  },
});
const root = path.resolve('bench/results/work');
mkdirSync(root, { recursive: true });
const ffmpeg = binaryPath('ffmpeg');
const media = (f: string) => path.join(values.shared, 'media', f);
const modelsDir = path.join(values.shared, 'models');

/** 30 fps clip of `faces` moving portraits with a sine audio track. */
function makeClip(height: number, faces: number, seconds: number): string {
  const width = Math.round((height * 16) / 9 / 2) * 2;
  const file = path.join(root, `clip-${height}p-${faces}f-${seconds}s.mp4`);
  if (existsSync(file)) return file;
  const stills = [media('obama_720p.jpg'), media('biden.jpg'), media('obama_720p.jpg')].slice(0, faces);
  const tile = Math.floor(width / faces / 2) * 2;
  const inputs = stills.flatMap((s) => ['-loop', '1', '-framerate', '30', '-i', s]);
  const chains = stills.map((_, i) => `[${i}:v]scale=${tile + 80}:-2,crop=${tile}:${height}:x='40+30*sin(t*${1 + i * 0.3})':y='(ih-${height})/2+20*cos(t*${1.2 + i * 0.2})',setsar=1[v${i}]`);
  const stack = faces > 1 ? `${stills.map((_, i) => `[v${i}]`).join('')}hstack=inputs=${faces},pad=${width}:${height}:(ow-iw)/2:0,format=yuv420p[v]` : `[v0]pad=${width}:${height}:(ow-iw)/2:0,format=yuv420p[v]`;
  execFileSync(ffmpeg, ['-v', 'error', '-y', ...inputs, '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000', '-filter_complex', [...chains, stack].join(';'), '-map', '[v]', '-map', `${faces}:a`, '-t', String(seconds), '-r', '30', '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '18', '-c:a', 'aac', file]);
  return file;
}

function timeFfmpegAlone(input: string): { wallMs: number } {
  const t0 = performance.now();
  execFileSync(ffmpeg, ['-v', 'error', '-y', '-i', input, '-map', '0', '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '18', '-pix_fmt', 'yuv420p', '-c:a', 'copy', path.join(root, 'ffmpeg-alone.mp4')]);
  return { wallMs: performance.now() - t0 };
}

interface RunResult { frames: number; facesRestored: number; wallMs: number; maxRssMiB: number; pureInferMs: number | null; ffmpegMs: Record<string, number>; stats?: { stageMs: Record<string, number>; inferMs: number; inferCalls: number; crops: number } }

function runPipeline(input: string, model: string, extra: Record<string, unknown> = {}, pureInference = false, facesPerFrame = 1): RunResult {
  const req = { input, output: path.join(root, 'restored.mp4'), options: { model, modelsDir, codec: 'libx264', encoderPreset: 'veryfast', crf: 18, ...extra }, pureInference, facesPerFrame };
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.resolve('bench/run-restore.ts'), JSON.stringify(req)], { encoding: 'utf8', env: { ...process.env, GPEN_VIDEO_MODELS: modelsDir }, maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`pipeline run failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

const identity = path.join(root, 'identity-512.onnx');
if (!existsSync(identity)) await writeTestModel(identity, 'identity', 512);
const gpenModels: Record<string, string> = {};
for (const s of values.gpen.split(',').filter(Boolean)) {
  const file = path.join(root, `gpen-random-${s}.onnx`);
  if (!existsSync(file)) await writeRandomGpen(file, { size: Number(s) });
  gpenModels[s] = file;
}

const rows: Array<Record<string, unknown>> = [];
const fmt = (n: number, d = 1) => n.toFixed(d);
for (const height of values.heights.split(',').map(Number)) {
  for (const faces of values.faces.split(',').map(Number)) {
    const clip = makeClip(height, faces, Number(values.seconds));
    const alone = timeFfmpegAlone(clip);
    const frames = Number(values.seconds) * 30;
    const id = runPipeline(clip, identity);
    const row = { case: `${height}p ${faces} face(s) ${values.seconds}s`, ffmpegFps: frames / (alone.wallMs / 1000), identityFps: id.frames / (id.wallMs / 1000), identityRssMiB: id.maxRssMiB, identity: id };
    rows.push(row);
    console.error(`${row.case}: ffmpeg ${fmt(row.ffmpegFps)} fps, identity ${fmt(row.identityFps)} fps (${fmt(row.identityFps / row.ffmpegFps, 2)}×), peak RSS ${fmt(id.maxRssMiB, 0)} MiB`);
  }
}

const gpenRows: Array<Record<string, unknown>> = [];
for (const height of values['gpen-heights'].split(',').map(Number)) {
  for (const faces of values.faces.split(',').map(Number)) {
    const clip = makeClip(height, faces, Number(values['gpen-seconds']));
    for (const [size, file] of Object.entries(gpenModels)) {
      const r = runPipeline(clip, file, {}, true, faces);
      const ratio = r.wallMs / r.pureInferMs!;
      gpenRows.push({ case: `${height}p ${faces} face(s) ${values['gpen-seconds']}s`, model: `GPEN-${size} (random)`, wallMs: r.wallMs, pureInferMs: r.pureInferMs, ratio, maxRssMiB: r.maxRssMiB, run: r });
      console.error(`${height}p ${faces}f GPEN-${size}: pipeline ${fmt(r.wallMs / 1000, 2)} s vs pure inference ${fmt(r.pureInferMs! / 1000, 2)} s → ${fmt(ratio, 3)}×, peak RSS ${fmt(r.maxRssMiB, 0)} MiB`);
    }
  }
}

const line = (cells: string[], widths: number[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
const t1 = [['clip', 'ffmpeg alone fps', 'identity fps', 'ratio', 'peak RSS MiB', 'stage ms (main thread, whole run)'], ...rows.map((r) => {
  const id = r.identity as RunResult;
  const stages = { ...id.stats?.stageMs, infer: id.stats?.inferMs ?? 0, ...Object.fromEntries(Object.entries(id.ffmpegMs).map(([k, v]) => [`${k} (ffmpeg cpu)`, v])) };
  return [String(r.case), fmt(r.ffmpegFps as number), fmt(r.identityFps as number), `${fmt((r.identityFps as number) / (r.ffmpegFps as number), 2)}×`, fmt(r.identityRssMiB as number, 0), Object.entries(stages).map(([k, v]) => `${k} ${Math.round(v as number)}`).join(', ')];
})];
const t2 = [['clip', 'model', 'pipeline s', 'pure inference s', 'ratio', 'peak RSS MiB', 'stage ms'], ...gpenRows.map((r) => {
  const run = r.run as RunResult;
  const stages = { ...run.stats?.stageMs, infer: run.stats?.inferMs ?? 0, ...Object.fromEntries(Object.entries(run.ffmpegMs).map(([k, v]) => [`${k} (ffmpeg cpu)`, v])) };
  return [String(r.case), String(r.model), fmt((r.wallMs as number) / 1000, 2), fmt((r.pureInferMs as number) / 1000, 2), `${fmt(r.ratio as number, 3)}×`, fmt(r.maxRssMiB as number, 0), Object.entries(stages).map(([k, v]) => `${k} ${Math.round(v as number)}`).join(', ')];
})];
for (const t of [t1, t2]) {
  const widths = t[0]!.map((_, i) => Math.max(...t.map((r) => r[i]!.length)));
  console.log(t.map((r) => line(r, widths)).join('\n'));
  console.log();
}
writeFileSync(path.resolve('bench/results/throughput.json'), JSON.stringify({ rows, gpenRows }, null, 2));
