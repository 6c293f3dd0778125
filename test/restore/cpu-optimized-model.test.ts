import { chmodSync, existsSync, mkdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { writeRandomGpen } from '../../src/models/convert.ts';
import { buildTestModel } from '../../src/models/test-models.ts';
import { cpuOptimizedModel, optimizedModelFile, ortCacheDir } from '../../src/restore/cpu-optimized-model.ts';
import { OnnxRestorer } from '../../src/restore/index.ts';
import { restorerSessionOptions } from '../../src/restore/session-options.ts';
import { tempDir } from '../helpers/tmp.ts';

const dir = tempDir();
const S = 64;
// A small GPEN architecture: its convolutions get the NCHWc rewrite and fusions a real one gets.
const gpen = path.join(dir, 'gpen-small.onnx');
await writeRandomGpen(gpen, { size: S, narrow: 0.125, styleDim: 64, nMlp: 2, seed: 3 });
const input = Float32Array.from({ length: 3 * S * S }, (_, i) => Math.sin(i * 0.37) * 0.8);

async function runModel(file: string, preOptimized: boolean): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(file, restorerSessionOptions({ threads: 1, preOptimized }));
  try {
    const out = await session.run({ [session.inputNames[0]!]: new ort.Tensor('float32', input, [1, 3, S, S]) });
    return out[session.outputNames[0]!]!.data as Float32Array;
  } finally {
    await session.release();
  }
}

describe('CPU-optimized model cache', () => {
  it('saves the optimized graph once, and it computes what the original optimized at load computes', async () => {
    const cache = path.join(dir, 'cache-a');
    const first = await cpuOptimizedModel(gpen, { cacheDir: cache, minBytes: 0 });
    expect(first.warning).toBeUndefined();
    expect(first.path).toBe(await optimizedModelFile(gpen, cache));
    expect(path.basename(first.path!)).toMatch(/^gpen-small-[0-9a-f]{16}\.onnx$/);
    const made = statSync(first.path!).mtimeMs;
    const again = await cpuOptimizedModel(gpen, { cacheDir: cache, minBytes: 0 });
    expect(again.path).toBe(first.path);
    expect(statSync(again.path!).mtimeMs).toBe(made);

    const original = await runModel(gpen, false);
    const optimized = await runModel(first.path!, true);
    let diff = 0;
    let norm = 0;
    for (let i = 0; i < original.length; i++) {
      diff += (original[i]! - optimized[i]!) ** 2;
      norm += original[i]! ** 2;
    }
    expect(norm).toBeGreaterThan(0);
    expect(Math.sqrt(diff / norm)).toBeLessThan(1e-5);
  });

  it('keys the cache by the model file: a changed file gets a new entry', async () => {
    const cache = path.join(dir, 'cache-b');
    const before = await optimizedModelFile(gpen, cache);
    const later = new Date(Date.now() + 5000);
    utimesSync(gpen, later, later);
    expect(await optimizedModelFile(gpen, cache)).not.toBe(before);
  });

  it('skips small models and a cache that is off', async () => {
    expect((await cpuOptimizedModel(gpen, { cacheDir: path.join(dir, 'cache-c') })).path).toBeNull(); // under 16 MiB
    expect((await cpuOptimizedModel(gpen, { cacheDir: null, minBytes: 0 })).path).toBeNull();
    expect(ortCacheDir({ GPEN_VIDEO_ORT_CACHE: 'off' })).toBeNull();
    expect(ortCacheDir()).toMatch(/gpen-test-ort-cache-/); // test/helpers/global-setup.ts
    expect(ortCacheDir({ GPEN_VIDEO_ORT_CACHE: '/x/y' })).toBe('/x/y');
    expect(ortCacheDir({ XDG_CACHE_HOME: '/c' })).toBe('/c/gpen-video/ort-cpu');
  });

  it('warns and loads the original where the cache cannot be written, or the model does not load', async () => {
    const readOnly = path.join(dir, 'read-only');
    mkdirSync(readOnly);
    chmodSync(readOnly, 0o500);
    const r = await cpuOptimizedModel(gpen, { cacheDir: path.join(readOnly, 'sub'), minBytes: 0 });
    // root may write anyway; then the cache simply works
    if (r.path === null) expect(r.warning).toMatch(/GPEN_VIDEO_ORT_CACHE/);
    const broken = path.join(dir, 'broken.onnx');
    writeFileSync(broken, 'not a model');
    const b = await cpuOptimizedModel(broken, { cacheDir: path.join(dir, 'cache-d'), minBytes: 0 });
    expect(b.path).toBeNull();
    expect(b.warning).toMatch(/could not save an optimized copy of .*broken\.onnx.*onnxruntime could not optimize/);
  });

  it('the restorer gives the same faces from the cached graph, and loads the original when the cache file is damaged', async () => {
    const crop = Uint8Array.from({ length: S * S * 3 }, (_, i) => (i * 13) % 251);
    const restoreWith = async (optimizedCache: { cacheDir: string | null; minBytes?: number }) => {
      const r = await OnnxRestorer.create({ modelPath: gpen, optimizedCache, threads: 1 });
      try {
        return (await r.restore([crop]))[0]!;
      } finally {
        await r.close();
      }
    };
    const maxDiff = (a: Uint8Array, b: Uint8Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
    const plain = await restoreWith({ cacheDir: null });
    const cache = path.join(dir, 'cache-e');
    const viaCache = await restoreWith({ cacheDir: cache, minBytes: 0 });
    const cached = (await cpuOptimizedModel(gpen, { cacheDir: cache, minBytes: 0 })).path!;
    expect(statSync(cached).size).toBeGreaterThan(1000);
    expect(maxDiff(plain, viaCache)).toBeLessThanOrEqual(1);
    writeFileSync(cached, 'damaged');
    const warnings: string[] = [];
    const r = await OnnxRestorer.create({ modelPath: gpen, optimizedCache: { cacheDir: cache, minBytes: 0 }, threads: 1, onWarning: (m) => warnings.push(m) });
    try {
      expect(maxDiff(plain, (await r.restore([crop]))[0]!)).toBe(0);
    } finally {
      await r.close();
    }
    expect(warnings).toEqual([expect.stringMatching(/optimized copy of .*gpen-small\.onnx did not load .*removed it/)]);
    expect(existsSync(cached)).toBe(false);
    expect(maxDiff(plain, await restoreWith({ cacheDir: cache, minBytes: 0 }))).toBeLessThanOrEqual(1);
    expect(existsSync(cached)).toBe(true);
  });
});
