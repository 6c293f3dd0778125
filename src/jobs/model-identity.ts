import path from 'node:path';
import { ModelError } from '../errors.ts';
import { locateModel, resolveModelsDir } from '../models/models-dir.ts';
import { getModel } from '../models/registry.ts';
import { isModelPath } from '../models/resolve.ts';
import { sha256File } from '../models/sha256.ts';
import type { RestoreOptions } from '../options/option-table.ts';

export interface ModelIdentity {
  spec: string;
  file: string;
  sha256: string;
}

/** The restorer's weights as found on this machine (registry name through the models dir, or a path), hashed. */
export async function modelIdentity(options: Pick<RestoreOptions, 'model' | 'modelsDir'>, signal?: AbortSignal): Promise<ModelIdentity> {
  const file = isModelPath(options.model) ? path.resolve(options.model) : locateModel(getModel(options.model), resolveModelsDir({ cliDir: options.modelsDir }));
  return { spec: options.model, file, sha256: await sha256File(file, signal ? { signal } : {}) };
}

/** Every chunk must be rendered with the same weights, wherever it runs. */
export function assertSameModel(planned: ModelIdentity, here: ModelIdentity, jobFile: string): void {
  if (planned.sha256 === here.sha256) return;
  throw new ModelError(
    'E_JOB_MODEL_MISMATCH',
    `${jobFile}: the model "${planned.spec}" on this machine (${here.file}, sha256 ${here.sha256.slice(0, 12)}…) is not the one the job was planned with (sha256 ${planned.sha256.slice(0, 12)}…). Install the same model file on every machine (or point --models-dir at it).`,
  );
}
