import type { StateDict, TorchTensor } from '../torch/index.ts';
import { gpenChannels } from './config.ts';
import { makeKernel } from './build-graph.ts';

export interface RandomGpenOptions {
  size: number;
  channelMultiplier?: number;
  narrow?: number;
  styleDim?: number;
  nMlp?: number;
  seed?: number;
}

/** mulberry32 + Box–Muller: reproducible N(0,1) samples without a dependency. */
export function gaussian(seed: number): () => number {
  let a = seed >>> 0;
  const uniform = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => {
    const u = 1 - uniform();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * uniform());
  };
}

/**
 * A GPEN FullGenerator state_dict with random weights, initialised as the official constructor
 * does (equalised layers: N(0,1) weights, zero biases, modulation bias 1), except that noise
 * weights are small and non-zero so the encoder's skip features take part as in trained models.
 * Same keys and shapes as an official checkpoint; outputs are not faces.
 */
export function randomGpenStateDict(options: RandomGpenOptions): StateDict {
  const { size } = options;
  if (!Number.isInteger(Math.log2(size)) || size < 16 || size > 2048) {
    throw new RangeError(`size must be a power of two from 16 to 2048, got ${size}`);
  }
  const cm = options.channelMultiplier ?? (size <= 256 ? 1 : 2);
  const narrow = options.narrow ?? (size <= 256 ? 0.5 : 1);
  const styleDim = options.styleDim ?? 512;
  const nMlp = options.nMlp ?? 8;
  const ch = gpenChannels(size, cm, narrow);
  const randn = gaussian(options.seed ?? 1);
  const sd: StateDict = new Map();
  const put = (key: string, shape: number[], fill: (i: number) => number) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = fill(i);
    sd.set(key, { dtype: 'float32', shape, data } satisfies TorchTensor);
  };
  const normal = (scale = 1) => () => randn() * scale;
  const zero = () => 0;
  const blur = (key: string, factor: number) => {
    const k = makeKernel([1, 3, 3, 1], factor);
    put(key, [4, 4], (i) => k[i]!);
  };

  for (let i = 1; i <= nMlp; i++) {
    put(`generator.style.${i}.weight`, [styleDim, styleDim], normal(1 / 0.01));
    put(`generator.style.${i}.bias`, [styleDim], zero);
  }
  const styled = (prefix: string, cin: number, cout: number, up: boolean) => {
    put(`${prefix}.conv.weight`, [1, cout, cin, 3, 3], normal());
    if (up) blur(`${prefix}.conv.blur.kernel`, 2);
    put(`${prefix}.conv.modulation.weight`, [cin, styleDim], normal());
    put(`${prefix}.conv.modulation.bias`, [cin], () => 1);
    put(`${prefix}.noise.weight`, [1], normal(0.1));
    put(`${prefix}.activate.bias`, [cout * 2], zero);
  };
  const toRgb = (prefix: string, cin: number, up: boolean) => {
    put(`${prefix}.bias`, [1, 3, 1, 1], zero);
    if (up) blur(`${prefix}.upsample.kernel`, 2);
    put(`${prefix}.conv.weight`, [1, 3, cin, 1, 1], normal());
    put(`${prefix}.conv.modulation.weight`, [cin, styleDim], normal());
    put(`${prefix}.conv.modulation.bias`, [cin], () => 1);
  };
  put('generator.input.input', [1, ch[4]!, 4, 4], normal());
  styled('generator.conv1', ch[4]!, ch[4]!, false);
  toRgb('generator.to_rgb1', ch[4]! * 2, false);
  let cin = ch[4]!;
  for (let lvl = 0; 8 << lvl <= size; lvl++) {
    const cout = ch[8 << lvl]!;
    styled(`generator.convs.${2 * lvl}`, cin * 2, cout, true);
    styled(`generator.convs.${2 * lvl + 1}`, cout * 2, cout, false);
    toRgb(`generator.to_rgbs.${lvl}`, cout * 2, true);
    cin = cout;
  }
  put('ecd0.0.0.weight', [ch[size]!, 3, 1, 1], normal());
  put('ecd0.0.1.bias', [ch[size]!], zero);
  let i = 1;
  for (let res = size; res > 4; res /= 2, i++) {
    blur(`ecd${i}.0.0.kernel`, 1);
    put(`ecd${i}.0.1.weight`, [ch[res / 2]!, ch[res]!, 3, 3], normal());
    put(`ecd${i}.0.2.bias`, [ch[res / 2]!], zero);
  }
  put('final_linear.0.weight', [styleDim, ch[4]! * 16], normal());
  put('final_linear.0.bias', [styleDim], zero);
  return sd;
}
