/**
 * GPEN-architecture models (random weights) on onnxruntime-node's CPU provider, with the session
 * options the pipeline's inference worker uses (src/restore/session-options.ts): time per face at
 * each batch size, float32 vs float16 weights vs float16 arithmetic ('half', what the pipeline
 * converts checkpoints to for NVIDIA GPUs), each one's relative L2 distance from the float32
 * output, and each float32 batch-1 time against the reference (GPEN-256 175 ms, GPEN-512
 * 2.3 s a face, onnxruntime-node, 2 intra-op threads, batch 1).
 * Run: npx tsx bench/model-inference.ts [--sizes 256,512] [--batches 1,2,4] [--threads 2] [--runs 3]
 *        [--spin] [--device cuda|tensorrt]
 * With --device the sessions ask for that provider first (the CPU behind it, as the pipeline does);
 * the table says which one each model ran on.
 * Prints a table and writes bench/results/model-inference.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { buildGpenGraph } from '../src/models/gpen/build-graph.ts';
import { randomGpenStateDict } from '../src/models/gpen/random-weights.ts';
import type { WeightPrecision } from '../src/models/onnx/graph-builder.ts';
import { sessionOnDevice } from '../src/restore/session-options.ts';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '256,512' },
    batches: { type: 'string', default: '1,2,4' },
    threads: { type: 'string', default: String(Math.min(2, availableParallelism())) },
    runs: { type: 'string', default: '3' },
    spin: { type: 'boolean', default: false },
    device: { type: 'string', default: 'cpu' },
  },
});
const sizes = values.sizes.split(',').map(Number);
const batches = values.batches.split(',').map(Number);
const threads = Number(values.threads);
const runs = Number(values.runs);
const REFERENCE_MS: Record<number, number> = { 256: 175, 512: 2300 };
/** float16: float16-stored weights, float32 arithmetic; half: float16 feature maps (the GPU's conversion, here on the CPU) */
const PRECISIONS = ['float32', 'float16', 'half'] as const;

interface Row { size: number; precision: WeightPrecision; provider: string; batch: number; msPerFace: number; modelMiB: number; sessionMs: number; relL2VsFloat32: number | null }
const rows: Row[] = [];

const relL2 = (a: Float32Array, b: Float32Array) => {
  let num = 0, den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i]! - b[i]!) ** 2;
    den += a[i]! ** 2;
  }
  return Math.sqrt(num / den);
};

/** A session on --device with the CPU behind it, as the inference worker makes one (the CPU alone where that provider cannot load). */
async function createSession(bytes: Uint8Array): Promise<{ session: ort.InferenceSession; provider: string }> {
  const made = await sessionOnDevice(bytes, values.device, { threads, spin: values.spin });
  if (made.fallbackReason) process.stderr.write(`--device ${values.device} could not be used (${made.fallbackReason}); measuring on the CPU\n`);
  return made;
}

for (const size of sizes) {
  const sd = randomGpenStateDict({ size, seed: 1 });
  const probe = new ort.Tensor('float32', Float32Array.from({ length: 3 * size * size }, (_, i) => Math.sin(i * 0.01)), [1, 3, size, size]);
  let float32Out: Float32Array | null = null;
  for (const precision of PRECISIONS) {
    const { bytes } = buildGpenGraph(sd, { precision });
    const t0 = performance.now();
    const { session, provider } = await createSession(bytes);
    const sessionMs = performance.now() - t0;
    const out = (await session.run({ input: probe })).output!.data as Float32Array;
    if (precision === 'float32') float32Out = out.slice();
    const error = precision === 'float32' ? null : relL2(float32Out!, out);
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
      rows.push({ size, precision, provider, batch, msPerFace: median / batch, modelMiB: bytes.length / 2 ** 20, sessionMs, relL2VsFloat32: error });
      process.stderr.write(`size ${size} ${precision} batch ${batch}: ${(median / batch).toFixed(0)} ms/face\n`);
    }
    await session.release();
  }
}

const header = ['model', 'weights', 'ran on', 'file MiB', 'batch', 'ms/face', 'faces/s', 'vs fp32 b1', 'rel L2 vs fp32', 'vs reference'];
const base = (size: number) => rows.find((r) => r.size === size && r.precision === 'float32' && r.batch === 1)!.msPerFace;
const table = rows.map((r) => [
  `GPEN-${r.size} (random)`,
  r.precision,
  r.provider,
  r.modelMiB.toFixed(1),
  String(r.batch),
  r.msPerFace.toFixed(0),
  (1000 / r.msPerFace).toFixed(2),
  `${(base(r.size) / r.msPerFace).toFixed(2)}×`,
  r.relL2VsFloat32 === null ? '–' : r.relL2VsFloat32.toExponential(1),
  r.precision === 'float32' && r.batch === 1 && REFERENCE_MS[r.size] ? `${(r.msPerFace / REFERENCE_MS[r.size]!).toFixed(2)}× of ${REFERENCE_MS[r.size]} ms` : '',
]);
const widths = header.map((h, i) => Math.max(h.length, ...table.map((t) => t[i]!.length)));
const fmt = (c: string[]) => c.map((x, i) => x.padEnd(widths[i]!)).join('  ');
console.log(`onnxruntime-node ${ort.env.versions.common} CPU, ${threads} intra-op threads${values.spin ? ' (spinning)' : ''}, median of ${runs} runs after a warm-up; load average at the end ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
console.log(fmt(header));
console.log(fmt(widths.map((w) => '-'.repeat(w))));
for (const t of table) console.log(fmt(t));
console.log();
for (const size of sizes) {
  for (const precision of PRECISIONS) {
    const own = rows.filter((r) => r.size === size && r.precision === precision);
    const best = own.reduce((a, b) => (b.msPerFace < a.msPerFace ? b : a));
    console.log(`GPEN-${size} ${precision}: ${(1000 / own.find((r) => r.batch === 1)!.msPerFace).toFixed(2)} faces/s at batch 1, best ${(1000 / best.msPerFace).toFixed(2)} faces/s at batch ${best.batch}`);
  }
}
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(new URL('./results/model-inference.json', import.meta.url), JSON.stringify({ threads, runs, spin: values.spin, device: values.device, loadavg: loadavg(), rows }, null, 2));
