import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { buildGpenGraph } from '../../../src/models/gpen/build-graph.ts';
import { gpenChannels, inferGpenConfig } from '../../../src/models/gpen/config.ts';
import { randomGpenStateDict } from '../../../src/models/gpen/random-weights.ts';

describe('random-weight GPEN models', () => {
  it('have the official architecture for the requested config', () => {
    const sd = randomGpenStateDict({ size: 64, channelMultiplier: 2, narrow: 0.25, seed: 7 });
    const cfg = inferGpenConfig(sd);
    expect(cfg).toMatchObject({ size: 64, channelMultiplier: 2, narrow: 0.25, styleDim: 512, nMlp: 8 });
    expect(cfg.channels).toEqual(gpenChannels(64, 2, 0.25));
    // the official 64-px FullGenerator: 8 style layers ×2, const, conv1 ×5, to_rgb1 ×4, 4 levels × (2 convs ×6 + to_rgb ×5), ecd0 ×2, 4 × ecd ×3, final ×2
    expect(sd.size).toBe(16 + 1 + 5 + 4 + 4 * (6 + 5 + 5) + 2 + 4 * 3 + 2);
  });

  it('are deterministic per seed and run with finite outputs', async () => {
    const a = randomGpenStateDict({ size: 32, narrow: 0.125, seed: 3 });
    const b = randomGpenStateDict({ size: 32, narrow: 0.125, seed: 3 });
    expect(a.get('ecd0.0.0.weight')!.data).toEqual(b.get('ecd0.0.0.weight')!.data);
    const s = await ort.InferenceSession.create(buildGpenGraph(a).bytes);
    const x = new ort.Tensor('float32', Float32Array.from({ length: 3 * 32 * 32 }, (_, i) => Math.cos(i * 0.1)), [1, 3, 32, 32]);
    const y = (await s.run({ input: x })).output!.data as Float32Array;
    expect(y.length).toBe(3 * 32 * 32);
    expect(y.every(Number.isFinite)).toBe(true);
  });

  it('refuse sizes GPEN does not have', () => {
    expect(() => randomGpenStateDict({ size: 100 })).toThrow(/power of two/);
  });
});
