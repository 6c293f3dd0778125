/**
 * GPEN-architecture models (random weights) on onnxruntime-node's CPU provider: time per face at
 * batch 1 and batch 4, float32 vs float16 weights. Run: npx tsx bench/model-inference.ts [--sizes 256,512] [--threads 2] [--runs 3]
 * Prints a table and writes bench/results/model-inference.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { buildGpenGraph } from '../src/models/gpen/build-graph.ts';
import { randomGpenStateDict } from '../src/models/gpen/random-weights.ts';
import type { WeightPrecision } from '../src/models/onnx/graph-builder.ts';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '256,512' },
    batches: { type: 'string', default: '1,4' },
    threads: { type: 'string', default: String(Math.min(2, availableParallelism())) },
    runs: { type: 'string', default: '3' },
  },
});
const sizes = values.sizes.split(',').map(Number);
const batches = values.batches.split(',').map(Number);
const threads = Number(values.threads);
const runs = Number(values.runs);

interface Row { size: number; precision: WeightPrecision; batch: number; msPerFace: number; modelMiB: number; sessionMs: number }
const rows: Row[] = [];

for (const size of sizes) {
  const sd = randomGpenStateDict({ size, seed: 1 });
  for (const precision of ['float32', 'float16'] as const) {
    const { bytes } = buildGpenGraph(sd, { precision });
    const t0 = performance.now();
    const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all' });
    const sessionMs = performance.now() - t0;
    for (const batch of batches) {
      const x = new ort.Tensor('float32', Float32Array.from({ length: batch * 3 * size * size }, (_, i) => Math.sin(i * 0.01)), [batch, 3, size, size]);
      await session.run({ input: x }); // warm-up: first run allocates and tunes
      const times: number[] = [];
      for (let r = 0; r < runs; r++) {
        const t = performance.now();
        await session.run({ input: x });
        times.push(performance.now() - t);
      }
      times.sort((a, b) => a - b);
      const median = times[Math.floor(times.length / 2)]!;
      rows.push({ size, precision, batch, msPerFace: median / batch, modelMiB: bytes.length / 2 ** 20, sessionMs });
      process.stderr.write(`size ${size} ${precision} batch ${batch}: ${(median / batch).toFixed(0)} ms/face\n`);
    }
    await session.release();
  }
}

const header = ['model', 'weights', 'file MiB', 'batch', 'ms/face', 'faces/s', 'vs fp32 b1'];
const base = (size: number) => rows.find((r) => r.size === size && r.precision === 'float32' && r.batch === 1)!.msPerFace;
const table = rows.map((r) => [`GPEN-${r.size} (random)`, r.precision, r.modelMiB.toFixed(1), String(r.batch), r.msPerFace.toFixed(0), (1000 / r.msPerFace).toFixed(2), `${(base(r.size) / r.msPerFace).toFixed(2)}×`]);
const widths = header.map((h, i) => Math.max(h.length, ...table.map((t) => t[i]!.length)));
const fmt = (c: string[]) => c.map((x, i) => x.padEnd(widths[i]!)).join('  ');
console.log(`onnxruntime-node ${ort.env.versions.common} CPU, ${threads} intra-op threads, median of ${runs} runs after a warm-up`);
console.log(fmt(header));
console.log(fmt(widths.map((w) => '-'.repeat(w))));
for (const t of table) console.log(fmt(t));
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(new URL('./results/model-inference.json', import.meta.url), JSON.stringify({ threads, runs, rows }, null, 2));
