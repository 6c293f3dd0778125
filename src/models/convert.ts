import path from 'node:path';
import { readCheckpoint } from './torch/index.ts';
import { buildGpenGraph } from './gpen/build-graph.ts';
import type { GpenConfig } from './gpen/config.ts';
import { randomGpenStateDict, type RandomGpenOptions } from './gpen/random-weights.ts';
import type { WeightPrecision } from './onnx/graph-builder.ts';
import { buildTestModel, type TestModelKind } from './test-models.ts';
import { writeFileAtomic } from './write-atomic.ts';

export interface ConvertOptions {
  precision?: WeightPrecision;
  /** nested state_dict key, e.g. g_ema */
  key?: string;
  /** checksum of the source, recorded in the model's metadata */
  sourceSha256?: string;
}

/** Official GPEN checkpoint (.pth/.pt) → ONNX model file with a dynamic batch. */
export async function convertCheckpoint(input: string, output: string, options: ConvertOptions = {}): Promise<GpenConfig> {
  const sd = await readCheckpoint(input, options.key === undefined ? {} : { key: options.key });
  const built = buildGpenGraph(sd, {
    name: path.basename(input),
    precision: options.precision ?? 'float32',
    metadata: {
      'gpen.source': path.basename(input),
      ...(options.sourceSha256 ? { 'gpen.source_sha256': options.sourceSha256 } : {}),
    },
  });
  await writeFileAtomic(output, built.bytes);
  return built.config;
}

/** A GPEN-architecture model with random weights, for benchmarks. Its metadata says so. */
export async function writeRandomGpen(output: string, options: RandomGpenOptions & { precision?: WeightPrecision }): Promise<GpenConfig> {
  const seed = options.seed ?? 1;
  const built = buildGpenGraph(randomGpenStateDict({ ...options, seed }), {
    name: `gpen-random-${options.size}`,
    precision: options.precision ?? 'float32',
    metadata: { 'gpen.random_weights': 'true', 'gpen.seed': String(seed), 'gpen.note': 'random weights: for benchmarks only, outputs are not faces' },
  });
  await writeFileAtomic(output, built.bytes);
  return built.config;
}

export async function writeTestModel(output: string, kind: TestModelKind, size: number, sigma?: number): Promise<void> {
  await writeFileAtomic(output, buildTestModel(kind, size, sigma));
}
