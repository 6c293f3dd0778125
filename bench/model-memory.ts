/**
 * Peak memory and speed of a GPEN-architecture model (random weights) loaded the two ways the
 * restorer can load it on the CPU, each in a process of its own so the peak RSS is that load's:
 *  - "optimized at load": the .onnx file with graph optimization 'all' (onnxruntime rewrites the
 *    graph at load, holding the original and the rewritten weights);
 *  - "saved CPU graph": the copy cpu-optimized-model.ts saves once (in a child process), loaded with
 *    optimizations off, as the pipeline does.
 * Side by side in one run, alternating, `--repeat` times each; ms a face is the median of the
 * runs after a warm-up, peak RSS the process's maximum (node itself is ~60 MiB of it).
 *   npx tsx bench/model-memory.ts [--sizes 256,512] [--runs 4] [--repeat 2] [--threads 2]
 * Prints a table and writes bench/results/model-memory.json.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    sizes: { type: 'string', default: '256,512' },
    runs: { type: 'string', default: '4' },
    repeat: { type: 'string', default: '2' },
    threads: { type: 'string', default: '2' },
    child: { type: 'boolean', default: false },
  },
});

if (values.child) {
  // child: positionals = [model file, 'all' | 'saved']
  const ort = await import('onnxruntime-node');
  const { restorerSessionOptions } = await import('../src/restore/session-options.ts');
  const [file, mode] = positionals as [string, string];
  const t0 = performance.now();
  const session = await ort.InferenceSession.create(file, restorerSessionOptions({ threads: Number(values.threads), preOptimized: mode === 'saved' }));
  const loadMs = performance.now() - t0;
  const loadRss = process.memoryUsage().rss / 2 ** 20;
  const S = session.inputMetadata[0]!.isTensor ? Number(session.inputMetadata[0]!.shape[2]) : 0;
  const x = new ort.Tensor('float32', Float32Array.from({ length: 3 * S * S }, (_, i) => Math.sin(i * 0.01)), [1, 3, S, S]);
  await session.run({ [session.inputNames[0]!]: x });
  const times: number[] = [];
  for (let r = 0; r < Number(values.runs); r++) {
    const t = performance.now();
    await session.run({ [session.inputNames[0]!]: x });
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  process.stdout.write(`${JSON.stringify({ loadMs, loadRssMiB: loadRss, msPerFace: times[Math.floor(times.length / 2)], peakRssMiB: process.resourceUsage().maxRSS / 1024 })}\n`);
  process.exit(0);
}

const { writeRandomGpen } = await import('../src/models/convert.ts');
const { cpuOptimizedModel } = await import('../src/restore/cpu-optimized-model.ts');
const work = path.resolve('bench/results/work');
mkdirSync(work, { recursive: true });
const cache = mkdtempSync(path.join(tmpdir(), 'gpen-bench-ort-'));
const rows: Array<Record<string, unknown>> = [];
try {
  for (const size of values.sizes.split(',').map(Number)) {
    const file = path.join(work, `gpen-random-${size}.onnx`);
    if (!existsSync(file)) await writeRandomGpen(file, { size });
    const t0 = performance.now();
    const saved = await cpuOptimizedModel(file, { cacheDir: cache });
    const saveMs = performance.now() - t0;
    if (!saved.path) throw new Error(`no saved CPU graph: ${saved.warning}`);
    for (let k = 0; k < Number(values.repeat); k++) {
      for (const [mode, model] of [['all', file], ['saved', saved.path]] as const) {
        const r = spawnSync(process.execPath, ['--import', 'tsx', path.resolve('bench/model-memory.ts'), '--child', '--runs', values.runs, '--threads', values.threads, model, mode], { encoding: 'utf8' });
        if (r.status !== 0) throw new Error(`child failed: ${r.stderr}`);
        const m = JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, number>;
        rows.push({ size, mode, saveMs: mode === 'saved' ? saveMs : null, ...m });
        process.stderr.write(`GPEN-${size} ${mode}: ${m.msPerFace!.toFixed(0)} ms/face, peak RSS ${m.peakRssMiB!.toFixed(0)} MiB\n`);
      }
    }
  }
} finally {
  rmSync(cache, { recursive: true, force: true });
}

const label = { all: 'optimized at load', saved: 'saved CPU graph' } as Record<string, string>;
const header = ['model', 'loaded as', 'load s', 'RSS after load MiB', 'peak RSS MiB', 'ms/face'];
const table = rows.map((r) => [`GPEN-${r.size}`, label[r.mode as string]!, ((r.loadMs as number) / 1000).toFixed(2), (r.loadRssMiB as number).toFixed(0), (r.peakRssMiB as number).toFixed(0), (r.msPerFace as number).toFixed(0)]);
const widths = header.map((h, i) => Math.max(h.length, ...table.map((t) => t[i]!.length)));
const fmt = (c: string[]) => c.map((x, i) => x.padEnd(widths[i]!)).join('  ');
console.log(`onnxruntime-node CPU, ${values.threads} intra-op threads, batch 1, median of ${values.runs} runs after a warm-up, each load in its own process`);
console.log(fmt(header));
for (const t of table) console.log(fmt(t));
for (const size of new Set(rows.map((r) => r.size))) {
  const first = rows.find((r) => r.size === size && r.mode === 'saved')!;
  console.log(`GPEN-${size}: saving the CPU graph took ${((first.saveMs as number) / 1000).toFixed(1)} s once (child process)`);
}
writeFileSync(path.resolve('bench/results/model-memory.json'), JSON.stringify({ threads: Number(values.threads), runs: Number(values.runs), rows }, null, 2));
