import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { buildTestModel } from '../../src/models/test-models.ts';

const S = 32;
const input = () => new ort.Tensor('float32', Float32Array.from({ length: 2 * 3 * S * S }, (_, i) => Math.sin(i) * 0.9), [2, 3, S, S]);

describe('test restorers', () => {
  it('identity returns its input exactly, any batch', async () => {
    const s = await ort.InferenceSession.create(buildTestModel('identity', S));
    const x = input();
    const y = (await s.run({ input: x })).output!;
    expect(y.dims).toEqual([2, 3, S, S]);
    expect(Array.from(y.data as Float32Array)).toEqual(Array.from(x.data as Float32Array));
  });

  it('noisy adds zero-mean noise of the given σ, different on every call', async () => {
    const sigma = 0.1;
    const s = await ort.InferenceSession.create(buildTestModel('noisy', S, sigma));
    const x = input();
    const a = (await s.run({ input: x })).output!.data as Float32Array;
    const b = (await s.run({ input: x })).output!.data as Float32Array;
    const xs = x.data as Float32Array;
    let mean = 0;
    let sq = 0;
    let diff = 0;
    for (let i = 0; i < xs.length; i++) {
      const n = a[i]! - xs[i]!;
      mean += n;
      sq += n * n;
      diff += (a[i]! - b[i]!) ** 2;
    }
    mean /= xs.length;
    const std = Math.sqrt(sq / xs.length - mean * mean);
    expect(Math.abs(mean)).toBeLessThan(0.01);
    expect(std).toBeGreaterThan(sigma * 0.95);
    expect(std).toBeLessThan(sigma * 1.05);
    // two independent draws differ by σ·√2 in RMS
    expect(Math.sqrt(diff / xs.length)).toBeGreaterThan(sigma * 1.3);
  });

  it('can mimic a community export: fixed batch 1 and other I/O names', async () => {
    const s = await ort.InferenceSession.create(buildTestModel('identity', S, 0, { batch: 1, inputName: 'in_img', outputName: 'out_img' }));
    expect(s.inputNames).toEqual(['in_img']);
    expect(s.outputNames).toEqual(['out_img']);
    expect(s.inputMetadata[0]).toMatchObject({ shape: [1, 3, S, S] });
  });
});
