import { readFileSync } from 'node:fs';
import { beforeAll, expect, it } from 'vitest';
import { readCheckpoint, toFloat32, type StateDict } from '../../../src/models/torch/index.ts';
import { describeShared, sharedPath } from '../../helpers/shared.ts';

interface Meta {
  size: number;
  style_dim: number;
  n_mlp: number;
  channel_multiplier: number;
  narrow: number;
  n_params: number;
  n_state_entries: number;
}

/** GPEN's FullGenerator channel table. */
function channels(meta: Meta): (resolution: number) => number {
  const { narrow: n, channel_multiplier: cm } = meta;
  const table: Record<number, number> = {
    4: 512 * n, 8: 512 * n, 16: 512 * n, 32: 512 * n,
    64: 256 * cm * n, 128: 128 * cm * n, 256: 64 * cm * n, 512: 32 * cm * n, 1024: 16 * cm * n,
  };
  return (r) => Math.trunc(table[r]!);
}

for (const name of ['gpen-tiny-64', 'gpen-small-128']) {
  describeShared(`readCheckpoint on the official GPEN ${name} state_dict`, () => {
    const meta = JSON.parse(readFileSync(sharedPath('golden', name, 'meta.json'), 'utf8')) as Meta;
    const ch = channels(meta);
    const logSize = Math.log2(meta.size);
    let sd: StateDict;
    const shape = (key: string): number[] | undefined => sd.get(key)?.shape;

    beforeAll(async () => {
      sd = await readCheckpoint(sharedPath('golden', name, 'weights.pth'));
    });

    it('has every entry, all float32', () => {
      expect(sd.size).toBe(meta.n_state_entries);
      for (const t of sd.values()) expect(t.dtype).toBe('float32');
    });

    it('counts n_params as the parameters, excluding the blur-kernel buffers', () => {
      let params = 0;
      let buffers = 0;
      for (const [key, t] of sd) {
        expect(t.data.length).toBe(t.shape.reduce((a, b) => a * b, 1));
        // register_buffer('kernel', …) in Blur/Upsample/Downsample: saved, but not a parameter.
        if (key.endsWith('.kernel')) buffers += t.data.length;
        else params += t.data.length;
      }
      expect(params).toBe(meta.n_params);
      expect(buffers).toBeGreaterThan(0);
    });

    it('has the key names and shapes of the configured FullGenerator', () => {
      const s = meta.style_dim;
      for (let i = 1; i <= meta.n_mlp; i++) {
        expect(shape(`generator.style.${i}.weight`)).toEqual([s, s]);
        expect(shape(`generator.style.${i}.bias`)).toEqual([s]);
      }
      expect(shape(`generator.style.${meta.n_mlp + 1}.weight`)).toBeUndefined();
      expect(shape('generator.input.input')).toEqual([1, ch(4), 4, 4]);
      expect(shape('generator.conv1.conv.weight')).toEqual([1, ch(4), ch(4), 3, 3]);
      // Noise is concatenated to the features, doubling every StyledConv/ToRGB input.
      expect(shape('generator.to_rgb1.conv.weight')).toEqual([1, 3, 2 * ch(4), 1, 1]);
      for (let i = 3; i <= logSize; i++) {
        const j = i - 3;
        expect(shape(`generator.convs.${2 * j}.conv.weight`)).toEqual([1, ch(2 ** i), 2 * ch(2 ** (i - 1)), 3, 3]);
        expect(shape(`generator.convs.${2 * j + 1}.conv.weight`)).toEqual([1, ch(2 ** i), 2 * ch(2 ** i), 3, 3]);
        expect(shape(`generator.convs.${2 * j}.conv.modulation.weight`)).toEqual([2 * ch(2 ** (i - 1)), s]);
        expect(shape(`generator.to_rgbs.${j}.conv.weight`)).toEqual([1, 3, 2 * ch(2 ** i), 1, 1]);
      }
      expect(shape(`generator.convs.${2 * (logSize - 2)}.conv.weight`)).toBeUndefined();
      expect(shape('ecd0.0.0.weight')).toEqual([ch(meta.size), 3, 1, 1]);
      for (let i = 1; i < logSize - 1; i++) {
        const r = 2 ** (logSize - i);
        expect(shape(`ecd${i}.0.0.kernel`)).toEqual([4, 4]);
        expect(shape(`ecd${i}.0.1.weight`)).toEqual([ch(r), ch(2 * r), 3, 3]);
        expect(shape(`ecd${i}.0.2.bias`)).toEqual([ch(r)]);
      }
      expect(shape(`ecd${logSize - 1}.0.1.weight`)).toBeUndefined();
      expect(shape('final_linear.0.weight')).toEqual([s, ch(4) * 16]);
      expect(shape('final_linear.0.bias')).toEqual([s]);
    });

    it('has finite values and the normalised [1,3,3,1] blur kernels', () => {
      for (const [key, t] of sd) {
        const v = toFloat32(t);
        for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i])) throw new Error(`${key}[${i}] = ${v[i]}`);
      }
      const k = [1, 3, 3, 1];
      const blur = k.flatMap((a) => k.map((b) => (a * b) / 64));
      expect(Array.from(toFloat32(sd.get('ecd1.0.0.kernel')!))).toEqual(blur);
      expect(Array.from(toFloat32(sd.get('generator.convs.0.conv.blur.kernel')!))).toEqual(blur.map((x) => x * 4));
    });

    it('reads weights as they are stored, not scrambled', () => {
      // EqualLinear keeps randn / lr_mul (0.01): the mapping weights have std near 100.
      const w = toFloat32(sd.get('generator.style.1.weight')!);
      let sum = 0;
      let sq = 0;
      for (const x of w) {
        sum += x;
        sq += x * x;
      }
      const mean = sum / w.length;
      expect(Math.abs(mean)).toBeLessThan(1);
      expect(Math.sqrt(sq / w.length - mean * mean)).toBeGreaterThan(90);
      expect(Math.sqrt(sq / w.length - mean * mean)).toBeLessThan(110);
    });
  });
}
