import { ModelError } from '../../errors.ts';
import type { StateDict, TorchTensor } from '../torch/index.ts';

/** GPEN FullGenerator hyper-parameters, as the official constructor takes them. */
export interface GpenConfig {
  size: number;
  styleDim: number;
  nMlp: number;
  /** channel count of the feature maps at each resolution (4 … size) */
  channels: Record<number, number>;
  channelMultiplier: number | null;
  narrow: number;
}

/** Channel table of the official code for a given multiplier and narrowing. */
export function gpenChannels(size: number, channelMultiplier: number, narrow: number): Record<number, number> {
  const base: Record<number, number> = {
    4: 512, 8: 512, 16: 512, 32: 512,
    64: 256 * channelMultiplier, 128: 128 * channelMultiplier, 256: 64 * channelMultiplier,
    512: 32 * channelMultiplier, 1024: 16 * channelMultiplier, 2048: 8 * channelMultiplier,
  };
  const out: Record<number, number> = {};
  for (let r = 4; r <= size; r *= 2) out[r] = Math.trunc(base[r]! * narrow);
  return out;
}

/** Removes a DataParallel `module.` prefix so keys read as the official architecture names them. */
export function normaliseKeys(sd: StateDict): StateDict {
  if (![...sd.keys()].every((k) => k.startsWith('module.'))) return sd;
  return new Map([...sd].map(([k, v]) => [k.slice('module.'.length), v]));
}

export function requireTensor(sd: StateDict, key: string, source: string): TorchTensor {
  const t = sd.get(key);
  if (!t) {
    throw new ModelError('E_MODEL_ARCH', `${source}: "${key}" is missing; this is not a GPEN FullGenerator state_dict (or a different version of it)`);
  }
  return t;
}

/** Infers the architecture from tensor shapes alone, as no GPEN checkpoint stores its config. */
export function inferGpenConfig(sd: StateDict, source = 'checkpoint'): GpenConfig {
  let nMlp = 0;
  while (sd.has(`generator.style.${nMlp + 1}.weight`)) nMlp++;
  let encoderLayers = 0;
  while (sd.has(`ecd${encoderLayers + 1}.0.1.weight`)) encoderLayers++;
  if (nMlp === 0 || !sd.has('ecd0.0.0.weight')) {
    const sample = [...sd.keys()].slice(0, 5).join(', ');
    throw new ModelError('E_MODEL_ARCH', `${source}: not a GPEN FullGenerator state_dict (no generator.style.* / ecd0 weights; first keys: ${sample}). Pass --key if the weights are nested.`);
  }
  const logSize = encoderLayers + 2;
  const size = 2 ** logSize;
  const styleDim = requireTensor(sd, 'generator.style.1.weight', source).shape[1]!;
  const channels: Record<number, number> = { [size]: requireTensor(sd, 'ecd0.0.0.weight', source).shape[0]! };
  for (let i = 1; i <= encoderLayers; i++) {
    channels[size >> i] = requireTensor(sd, `ecd${i}.0.1.weight`, source).shape[0]!;
  }
  const narrow = channels[4]! / 512;
  const channelMultiplier = size >= 64 ? channels[64]! / (256 * narrow) : null;
  return { size, styleDim, nMlp, channels, channelMultiplier, narrow };
}
