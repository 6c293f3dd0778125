import { toFloat32, type StateDict } from '../torch/index.ts';
import { GraphBuilder, f, type WeightPrecision } from '../onnx/graph-builder.ts';
import { inferGpenConfig, normaliseKeys, requireTensor, type GpenConfig } from './config.ts';

export interface GpenGraphOptions {
  /** float32, float16 weights with float32 arithmetic, or half: float16 feature maps (see WeightPrecision) */
  precision?: WeightPrecision;
  /** also output the encoder latent (`latent`, [N, style_dim]), for validation */
  withLatent?: boolean;
  /** model name written into the graph and metadata */
  name?: string;
  metadata?: Record<string, string>;
}

export interface BuiltGpen {
  bytes: Uint8Array;
  config: GpenConfig;
}

const LRELU_SLOPE = 0.2;
const DEFAULT_BLUR = [1, 3, 3, 1];

/**
 * Builds the GPEN FullGenerator forward pass as an ONNX graph with a dynamic batch.
 * Modulated convolutions use the constant-weight form: input channels scaled by the style,
 * a plain convolution with fixed weights, output channels scaled by the demodulation factor.
 * That keeps every conv weight a constant the runtime can pre-pack, and lets faces batch.
 */
export function buildGpenGraph(stateDict: StateDict, options: GpenGraphOptions = {}): BuiltGpen {
  const sd = normaliseKeys(stateDict);
  const source = options.name ?? 'checkpoint';
  const cfg = inferGpenConfig(sd, source);
  const g = new GraphBuilder(options.name ?? `gpen-${cfg.size}`, options.precision ?? 'float32');
  const W = (key: string) => {
    const t = requireTensor(sd, key, source);
    return { shape: t.shape, data: toFloat32(t) };
  };
  const S = cfg.size;
  // Inputs and outputs are float32 at any precision. In a half graph the feature maps (every
  // convolution) are float16, while the per-face vectors (latent, mapping, styles, demodulation)
  // stay float32: they are little work, and their error would reach every layer.
  const input = g.toFeature(g.input('input', ['batch', 3, S, S]));

  const sqrt2 = g.constFloat('sqrt2', [], [Math.SQRT2]);
  const sqrt2Feature = g.precision === 'half' ? g.featureConst('sqrt2_h', [], [Math.SQRT2]) : sqrt2;
  const eps = g.constFloat('eps', [], [1e-8]);
  const axes23 = g.constInt64('axes_hw', [2, 3]);
  const lrelu = (x: string, hint: string, gain: string) => g.op('Mul', [g.op('LeakyRelu', [x], { alpha: f(LRELU_SLOPE) }, `${hint}_lrelu`), gain], {}, hint);
  const fusedLrelu = (x: string, hint: string) => lrelu(x, hint, sqrt2);
  const featureLrelu = (x: string, hint: string) => lrelu(x, hint, sqrt2Feature);
  /** a per-face vector [N, C] as a [N, C, 1, 1] factor of feature maps */
  const perChannel = (v: string) => g.toFeature(g.op('Unsqueeze', [v, axes23]));
  const blurWeights = (key: string, channels: number, factor: number) => {
    const k = sd.has(key) ? W(key).data : makeKernel(DEFAULT_BLUR, factor);
    return depthwise(k, channels);
  };

  // Encoder: its feature maps are both the latent's source and the generator's "noise".
  const feats: string[] = [];
  {
    const w = W('ecd0.0.0.weight');
    const b = W('ecd0.0.1.bias');
    let h = g.op('Conv', [input, g.featureWeight('ecd0_w', w.shape, scaled(w.data, fanInScale(w.shape))), g.featureWeight('ecd0_b', b.shape, b.data)], {}, 'ecd0_conv');
    h = featureLrelu(h, 'ecd0');
    feats.push(h);
    for (let i = 1; 2 ** (Math.log2(S) - i) >= 4; i++) {
      const cw = W(`ecd${i}.0.1.weight`);
      const cb = W(`ecd${i}.0.2.bias`);
      const cin = cw.shape[1]!;
      const blur = blurWeights(`ecd${i}.0.0.kernel`, cin, 1);
      h = g.op('Conv', [h, g.featureConst(`ecd${i}_blur`, [cin, 1, 4, 4], blur)], { group: cin, pads: [2, 2, 2, 2] }, `ecd${i}_blurred`);
      h = g.op('Conv', [h, g.featureWeight(`ecd${i}_w`, cw.shape, scaled(cw.data, fanInScale(cw.shape))), g.featureWeight(`ecd${i}_b`, cb.shape, cb.data)], { strides: [2, 2] }, `ecd${i}_conv`);
      h = featureLrelu(h, `ecd${i}`);
      feats.push(h);
    }
  }
  const featAt = (res: number) => feats[Math.log2(S / res)]!;

  const latentPre = equalLinear(g, g.op('Flatten', [g.fromFeature(feats[feats.length - 1]!)], { axis: 1 }), W('final_linear.0.weight'), W('final_linear.0.bias'), 1, 'final_linear');
  const latent = fusedLrelu(latentPre, options.withLatent ? 'latent' : 'latent_act');

  // Mapping network: PixelNorm, then n_mlp equalised linears with lr_mul 0.01.
  let style = g.op('Div', [latent, g.op('Sqrt', [g.op('Add', [g.op('ReduceMean', [g.op('Mul', [latent, latent])], { axes: [1], keepdims: 1 }), eps])])], {}, 'pixelnorm');
  for (let i = 1; i <= cfg.nMlp; i++) {
    style = fusedLrelu(equalLinear(g, style, W(`generator.style.${i}.weight`), W(`generator.style.${i}.bias`), 0.01, `style${i}_lin`), `style${i}`);
  }

  // Every modulation reads the same style at inference: one Gemm computes them all, then Split.
  const gen = 'generator';
  const modulated = [`${gen}.conv1`, `${gen}.to_rgb1`];
  for (let lvl = 0; 8 << lvl <= S; lvl++) modulated.push(`${gen}.convs.${2 * lvl}`, `${gen}.convs.${2 * lvl + 1}`, `${gen}.to_rgbs.${lvl}`);
  const styles = modulationStyles(g, style, modulated.map((p) => ({ w: W(`${p}.conv.modulation.weight`), b: W(`${p}.conv.modulation.bias`) })));
  const styleOf = (prefix: string) => styles[modulated.indexOf(prefix)]!;

  const modulate = (x: string, s: string, hint: string) => g.op('Mul', [x, perChannel(s)], {}, `${hint}_mod`);

  const styledConv = (x: string, prefix: string, upsample: boolean, noise: string, hint: string) => {
    const w = W(`${prefix}.conv.weight`);
    const [, cout, cin, k] = w.shape as [number, number, number, number];
    const scale = 1 / Math.sqrt(cin * k * k);
    const s = styleOf(prefix);
    const xs = modulate(x, s, hint);
    // Scale first, then round: the stored weights are exactly what the demodulation sums over.
    const ws = g.stored(scaled(w.data, scale));
    let y: string;
    if (upsample) {
      const wt = transposeOutIn(ws, cout, cin, k, 1);
      y = g.op('ConvTranspose', [xs, g.featureWeight(`${hint}_w`, [cin, cout, k, k], wt)], { strides: [2, 2] }, `${hint}_convT`);
      const blur = blurWeights(`${prefix}.conv.blur.kernel`, cout, 2);
      y = g.op('Conv', [y, g.featureConst(`${hint}_blur`, [cout, 1, 4, 4], blur)], { group: cout, pads: [1, 1, 1, 1] }, `${hint}_blurred`);
    } else {
      const p = Math.floor(k / 2);
      y = g.op('Conv', [xs, g.featureWeight(`${hint}_w`, [cout, cin, k, k], ws)], { pads: [p, p, p, p] }, `${hint}_conv`);
    }
    // demod[n,o] = rsqrt(sum_i s[n,i]^2 * q[i,o] + eps), q[i,o] = sum_k (scale * w[o,i,k])^2
    const q = g.weight(`${hint}_q`, [cin, cout], sumSquares(ws, cout, cin, k * k, 1));
    const demod = g.op('Reciprocal', [g.op('Sqrt', [g.op('Add', [g.op('MatMul', [g.op('Mul', [s, s]), q]), eps])])], {}, `${hint}_demod`);
    y = g.op('Mul', [y, perChannel(demod)], {}, `${hint}_demodulated`);
    const nw = W(`${prefix}.noise.weight`);
    const injected = g.op('Concat', [y, g.op('Mul', [noise, g.featureWeight(`${hint}_noise_w`, [], nw.data)])], { axis: 1 }, `${hint}_cat`);
    const bias = W(`${prefix}.activate.bias`);
    return featureLrelu(g.op('Add', [injected, g.featureWeight(`${hint}_b`, [1, bias.shape[0]!, 1, 1], bias.data)]), hint);
  };

  const toRgb = (x: string, prefix: string, skip: string | null, hint: string) => {
    const w = W(`${prefix}.conv.weight`);
    const cin = w.shape[2]!;
    const xs = modulate(x, styleOf(prefix), hint);
    const bias = W(`${prefix}.bias`);
    let y = g.op('Conv', [xs, g.featureWeight(`${hint}_w`, [3, cin, 1, 1], scaled(w.data, 1 / Math.sqrt(cin)))], {}, `${hint}_conv`);
    y = g.op('Add', [y, g.featureWeight(`${hint}_b`, [1, 3, 1, 1], bias.data)]);
    if (skip === null) return y;
    // upfirdn2d(up=2, pad=(2,1)) with a symmetric kernel is a stride-2 transposed conv with pads 1.
    const kernel = sd.has(`${prefix}.upsample.kernel`) ? W(`${prefix}.upsample.kernel`).data : makeKernel(DEFAULT_BLUR, 2);
    const up = g.op('ConvTranspose', [skip, g.featureConst(`${hint}_up_k`, [3, 1, 4, 4], depthwise(kernel, 3, false))], { group: 3, strides: [2, 2], pads: [1, 1, 1, 1] }, `${hint}_skip_up`);
    return g.op('Add', [y, up], {}, `${hint}_rgb`);
  };

  const constIn = W(`${gen}.input.input`);
  let h = styledConv(g.featureWeight('const_input', constIn.shape, constIn.data), `${gen}.conv1`, false, featAt(4), 'g4_conv1');
  let skip = toRgb(h, `${gen}.to_rgb1`, null, 'g4_rgb');
  for (let lvl = 0; 8 << lvl <= S; lvl++) {
    const res = 8 << lvl;
    h = styledConv(h, `${gen}.convs.${2 * lvl}`, true, featAt(res), `g${res}_up`);
    h = styledConv(h, `${gen}.convs.${2 * lvl + 1}`, false, featAt(res), `g${res}_conv`);
    skip = toRgb(h, `${gen}.to_rgbs.${lvl}`, skip, `g${res}_rgb`);
  }
  g.fromFeature(skip, 'output');
  g.output('output', ['batch', 3, S, S]);
  if (options.withLatent) g.output('latent', ['batch', cfg.styleDim]);

  const metadata: Record<string, string> = {
    'gpen.architecture': 'FullGenerator',
    'gpen.size': String(S),
    'gpen.style_dim': String(cfg.styleDim),
    'gpen.n_mlp': String(cfg.nMlp),
    'gpen.narrow': String(cfg.narrow),
    'gpen.channel_multiplier': String(cfg.channelMultiplier ?? ''),
    'gpen.weights_precision': options.precision ?? 'float32',
    'gpen.input': 'RGB NCHW, (x/255-0.5)/0.5',
    ...options.metadata,
  };
  return { bytes: g.toBytes(metadata, `GPEN FullGenerator ${S}×${S}`), config: cfg };
}

type Weight = { shape: number[]; data: Float32Array };

/**
 * EqualLinear: y = x·(w·lr_mul/√in)ᵀ + b·lr_mul, as one Gemm. The latent path stays float32 at any
 * weight precision: its error reaches every layer through the styles (measured: float16 here more
 * than doubles the whole model's deviation), and it is under a tenth of the weights.
 */
function equalLinear(g: GraphBuilder, x: string, w: Weight, b: Weight, lrMul: number, hint: string): string {
  const scale = lrMul / Math.sqrt(w.shape[1]!);
  return g.op('Gemm', [x, g.constFloat(`${hint}_w`, w.shape, scaled(w.data, scale)), g.weight(`${hint}_b`, b.shape, scaled(b.data, lrMul))], { transB: 1 }, hint);
}

function modulationStyles(g: GraphBuilder, style: string, mods: { w: Weight; b: Weight }[]): string[] {
  const inDim = mods[0]!.w.shape[1]!;
  const total = mods.reduce((a, m) => a + m.w.shape[0]!, 0);
  const w = new Float32Array(total * inDim);
  const b = new Float32Array(total);
  let row = 0;
  for (const m of mods) {
    w.set(scaled(m.w.data, 1 / Math.sqrt(inDim)), row * inDim);
    b.set(m.b.data, row);
    row += m.w.shape[0]!;
  }
  const all = g.op('Gemm', [style, g.weight('modulation_w', [total, inDim], w), g.weight('modulation_b', [total], b)], { transB: 1 }, 'modulations');
  const sizes = g.constInt64('modulation_split', mods.map((m) => m.w.shape[0]!));
  return g.opN('Split', [all, sizes], mods.length, { axis: 1 }, 'style');
}

function fanInScale(shape: number[]): number {
  return 1 / Math.sqrt(shape.slice(1).reduce((a, b) => a * b, 1));
}

function scaled(data: Float32Array, s: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = data[i]! * s;
  return out;
}

/** [1, out, in, k, k] → [in, out, k, k] (ConvTranspose layout), times scale. */
function transposeOutIn(w: Float32Array, cout: number, cin: number, k: number, scale: number): Float32Array {
  const kk = k * k;
  const out = new Float32Array(w.length);
  for (let o = 0; o < cout; o++) {
    for (let i = 0; i < cin; i++) {
      const src = (o * cin + i) * kk;
      const dst = (i * cout + o) * kk;
      for (let t = 0; t < kk; t++) out[dst + t] = w[src + t]! * scale;
    }
  }
  return out;
}

/** q[i, o] = s2 · Σ_k w[o, i, k]². */
function sumSquares(w: Float32Array, cout: number, cin: number, kk: number, s2: number): Float32Array {
  const q = new Float32Array(cin * cout);
  for (let o = 0; o < cout; o++) {
    for (let i = 0; i < cin; i++) {
      let acc = 0;
      const base = (o * cin + i) * kk;
      for (let t = 0; t < kk; t++) acc += w[base + t]! * w[base + t]!;
      q[i * cout + o] = acc * s2;
    }
  }
  return q;
}

/** The official make_kernel: outer product, normalised to sum 1, times factor². */
export function makeKernel(k1d: number[], factor: number): Float32Array {
  const n = k1d.length;
  const out = new Float32Array(n * n);
  let sum = 0;
  for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) sum += k1d[y]! * k1d[x]!;
  for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) out[y * n + x] = (k1d[y]! * k1d[x]! / sum) * factor * factor;
  return out;
}

/**
 * Repeats a 2-D FIR kernel per channel for a grouped conv. upfirdn2d convolves (flips the kernel)
 * while ONNX Conv correlates, so the kernel is flipped unless it feeds a ConvTranspose.
 */
function depthwise(kernel: Float32Array, channels: number, flip = true): Float32Array {
  const n = kernel.length;
  const k = flip ? kernel.slice().reverse() : kernel;
  const out = new Float32Array(channels * n);
  for (let c = 0; c < channels; c++) out.set(k, c * n);
  return out;
}
