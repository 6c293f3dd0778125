import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { beforeAll, expect, it } from 'vitest';
import { buildGpenGraph } from '../../../src/models/gpen/build-graph.ts';
import { inferGpenConfig } from '../../../src/models/gpen/config.ts';
import { DataType, ModelProto } from '../../../src/models/onnx/onnx-schema.ts';
import { readCheckpoint, type StateDict } from '../../../src/models/torch/index.ts';
import { describeShared, sharedPath } from '../../helpers/shared.ts';
import { readF32, relativeL2 } from '../../helpers/tensors.ts';

/** The parts of a decoded ONNX model the precision test reads (the schema keeps the .proto field names). */
interface OnnxModel {
  graph: {
    input: Array<{ type: { tensor_type: { elem_type: number } } }>;
    output: Array<{ type: { tensor_type: { elem_type: number } } }>;
    initializer: Array<{ name: string; data_type: number }>;
    node: Array<{ name: string; op_type: string; input: string[] }>;
  };
}

// Golden vectors written by the official GPEN PyTorch FullGenerator (random weights).
for (const name of ['gpen-tiny-64', 'gpen-small-128']) {
  describeShared(`GPEN graph vs the official implementation: ${name}`, () => {
    const dir = (f: string) => sharedPath('golden', name, f);
    let sd: StateDict;
    let meta: { size: number; channel_multiplier: number; narrow: number; style_dim: number; n_mlp: number };
    let session: ort.InferenceSession;
    let input: Float32Array;
    beforeAll(async () => {
      meta = JSON.parse(readFileSync(dir('meta.json'), 'utf8'));
      sd = await readCheckpoint(dir('weights.pth'));
      session = await ort.InferenceSession.create(buildGpenGraph(sd, { withLatent: true }).bytes, { intraOpNumThreads: 1 });
      input = readF32(dir('input.f32'));
    });
    const run = async (x: Float32Array, n: number, s: ort.InferenceSession = session) =>
      s.run({ input: new ort.Tensor('float32', x, [n, 3, meta.size, meta.size]) });

    it('infers the architecture from the state_dict shapes', () => {
      const cfg = inferGpenConfig(sd);
      expect(cfg.size).toBe(meta.size);
      expect(cfg.narrow).toBe(meta.narrow);
      expect(cfg.styleDim).toBe(meta.style_dim);
      expect(cfg.nMlp).toBe(meta.n_mlp);
      if (meta.size >= 64) expect(cfg.channelMultiplier).toBe(meta.channel_multiplier);
    });

    it('reproduces output.f32 and encoder_latent.f32 within 1e-4 relative L2 (float32)', async () => {
      const out = await run(input, 1);
      expect(relativeL2(out.output!.data as Float32Array, readF32(dir('output.f32')))).toBeLessThanOrEqual(1e-4);
      expect(relativeL2(out.latent!.data as Float32Array, readF32(dir('encoder_latent.f32')))).toBeLessThanOrEqual(1e-4);
    });

    it('gives each face of a batch of 2 its single-input result', async () => {
      const other = input.map((v, i) => Math.sin(i * 0.37) * 0.8 - v * 0.3);
      const both = new Float32Array(input.length * 2);
      both.set(input);
      both.set(other, input.length);
      const batch = (await run(both, 2)).output!.data as Float32Array;
      const single0 = (await run(input, 1)).output!.data as Float32Array;
      const single1 = (await run(other, 1)).output!.data as Float32Array;
      expect(relativeL2(batch.subarray(0, input.length), single0)).toBeLessThanOrEqual(1e-5);
      expect(relativeL2(batch.subarray(input.length), single1)).toBeLessThanOrEqual(1e-5);
      expect(relativeL2(single0, single1)).toBeGreaterThan(0.05);
    });

    it('with float16 conv weights stays within 1e-3 of the reference, 2 bytes saved per conv weight', async () => {
      const f32 = buildGpenGraph(sd).bytes.length;
      const built = buildGpenGraph(sd, { precision: 'float16' });
      const convWeights = [...sd].filter(([k, t]) => /conv\.weight$|^ecd/.test(k) && t.data.length >= 4096).reduce((a, [, t]) => a + t.data.length, 0);
      expect(convWeights).toBeGreaterThan(0);
      expect(built.bytes.length).toBeLessThan(f32 - 1.9 * convWeights);
      const s16 = await ort.InferenceSession.create(built.bytes, { intraOpNumThreads: 1 });
      const out = (await run(input, 1, s16)).output!.data as Float32Array;
      expect(relativeL2(out, readF32(dir('output.f32')))).toBeLessThanOrEqual(1e-3);
    });

    it('half: float16 feature maps stay within 1e-3 of the reference, with float32 inputs and outputs', async () => {
      const built = buildGpenGraph(sd, { precision: 'half', withLatent: true });
      const model = ModelProto.decode(built.bytes) as unknown as OnnxModel;
      const { graph } = model;
      // the interface the restorer feeds is unchanged
      for (const v of [...graph.input, ...graph.output]) expect(v.type.tensor_type.elem_type).toBe(DataType.FLOAT);
      // every convolution runs on float16 weights, used as stored (no Cast back to float32)
      const types = new Map(graph.initializer.map((t) => [t.name, t.data_type]));
      const convs = graph.node.filter((n) => n.op_type === 'Conv' || n.op_type === 'ConvTranspose');
      expect(convs.length).toBeGreaterThan(10);
      for (const n of convs) expect(types.get(n.input[1]!), n.name).toBe(DataType.FLOAT16);
      const s = await ort.InferenceSession.create(built.bytes, { intraOpNumThreads: 1 });
      const out = await run(input, 1, s);
      expect(relativeL2(out.output!.data as Float32Array, readF32(dir('output.f32')))).toBeLessThanOrEqual(1e-3);
      expect(relativeL2(out.latent!.data as Float32Array, readF32(dir('encoder_latent.f32')))).toBeLessThanOrEqual(1e-3);
    });
  });
}
