import { getPriority } from 'node:os';
import { beforeAll, describe, expect, it } from 'vitest';
import { resolveOptions } from '../../src/options/resolve-options.ts';
import { checkpointPrecision, openModels } from '../../src/pipeline/open-models.ts';
import { newProcessNice, threadNice } from '../helpers/nice.ts';
import { testModel } from './fixtures.ts';

describe.runIf(process.platform === 'linux')('openModels: the model keeps the cores', () => {
  let model: string;
  beforeAll(async () => {
    model = await testModel('identity', 256);
  });

  it('with helperNice 0 changes no priority', async () => {
    const base = getPriority(0);
    const m = await openModels(resolveOptions({ cli: { model, helperNice: 0 } }).options, { needDetector: false });
    try {
      expect(m.helperNice).toBeNull();
      expect(getPriority(0)).toBe(base);
      expect(newProcessNice()).toBe(base);
    } finally {
      await m.close();
    }
  });

  it('lowers the calling thread and what it starts later, not the model threads it started before', async () => {
    const base = getPriority(0);
    const to = Math.min(19, base + 3);
    const before = new Set(threadNice().keys());
    const m = await openModels(resolveOptions({ cli: { model, helperNice: 3, threads: 2 } }).options, { needDetector: false });
    try {
      expect(m.helperNice).toEqual(to === base ? null : { from: base, to });
      expect(getPriority(0)).toBe(to);
      // the decoder and encoder start after openModels
      expect(newProcessNice()).toBe(to);
      // the restorer's worker thread and onnxruntime's pool thread were started inside openModels, before the change
      const started = [...threadNice()].filter(([tid]) => !before.has(tid));
      expect(started.filter(([, nice]) => nice === base).length).toBeGreaterThanOrEqual(2);
      const crop = new Uint8Array(256 * 256 * 3).fill(77);
      expect((await m.restorer.restore([crop]))[0]).toEqual(crop);
    } finally {
      await m.close();
    }
  });
});

describe('checkpointPrecision', () => {
  it('converts checkpoints for float16 arithmetic on NVIDIA GPUs, float32 (or float16-stored weights) elsewhere', () => {
    expect(checkpointPrecision({ device: 'cuda', fp16: false })).toBe('half');
    expect(checkpointPrecision({ device: 'tensorrt', fp16: true })).toBe('half');
    expect(checkpointPrecision({ device: 'cpu', fp16: false })).toBe('float32');
    expect(checkpointPrecision({ device: 'cpu', fp16: true })).toBe('float16');
    expect(checkpointPrecision({ device: 'coreml', fp16: false })).toBe('float32');
  });
});
