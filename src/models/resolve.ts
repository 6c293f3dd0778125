import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { ModelMissingError } from '../errors.ts';
import { convertCheckpoint } from './convert.ts';
import { locateModel, type ResolvedModelsDir } from './models-dir.ts';
import { getModel, type RegistryEntry } from './registry.ts';
import { sha256File } from './sha256.ts';
import type { WeightPrecision } from './onnx/graph-builder.ts';

export interface ResolvedModel {
  /** an ONNX file onnxruntime can load */
  onnxPath: string;
  /** registry entry when the model was named, or matched by file name */
  entry: RegistryEntry | null;
  /** where the ONNX came from, for logs */
  origin: 'onnx' | 'converted' | 'converted-cached';
}

const CHECKPOINT = /\.(pth|pt)$/i;

/** A model spec is a path when it names a file on disk or looks like one. */
export function isModelPath(spec: string): boolean {
  return spec.includes('/') || spec.includes(path.sep) || /\.(onnx|pth|pt)$/i.test(spec);
}

/** The file-name mark of each precision: conversions are cached apart, random models named apart. */
export const PRECISION_SUFFIX: Record<WeightPrecision, string> = { float32: '', float16: '-fp16w', half: '-half' };

/**
 * Turns `--model NAME|PATH` into an ONNX file. Checkpoints are converted once and cached in
 * `<models dir>/converted/` under their content hash, so a renamed or re-downloaded copy of the
 * same weights reuses the conversion and a changed file never reuses a stale one.
 */
export async function resolveRestorerModel(spec: string, modelsDir: ResolvedModelsDir, options: { precision?: WeightPrecision; signal?: AbortSignal } = {}): Promise<ResolvedModel> {
  let file: string;
  let entry: RegistryEntry | null = null;
  if (isModelPath(spec)) {
    file = path.resolve(spec);
    if (!existsSync(file)) throw new ModelMissingError(`Model file ${file} does not exist. Give a .onnx or .pth path, or a model name from \`npx gpen-video models list\`.`);
  } else {
    entry = getModel(spec);
    file = locateModel(entry, modelsDir);
  }
  if (!CHECKPOINT.test(file)) return { onnxPath: file, entry, origin: 'onnx' };
  const precision = options.precision ?? 'float32';
  const hash = await sha256File(file, options.signal ? { signal: options.signal } : {});
  const cacheDir = path.join(modelsDir.dir, 'converted');
  const onnxPath = path.join(cacheDir, `gpen-${hash.slice(0, 24)}${PRECISION_SUFFIX[precision]}.onnx`);
  if (existsSync(onnxPath)) return { onnxPath, entry, origin: 'converted-cached' };
  mkdirSync(cacheDir, { recursive: true });
  await convertCheckpoint(file, onnxPath, { precision, sourceSha256: hash });
  return { onnxPath, entry, origin: 'converted' };
}
