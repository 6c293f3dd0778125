import { ModelMissingError } from '../errors.ts';
import { fetchCommand, locateModel, resolveModelsDir, type ResolvedModelsDir } from '../models/models-dir.ts';
import { getModel } from '../models/registry.ts';
import { isModelPath, resolveRestorerModel } from '../models/resolve.ts';
import type { RestoreOptions } from '../options/option-table.ts';
import { OnnxRestorer } from '../restore/onnx-restorer.ts';
import { widenHeapGrowth } from '../runtime/heap-growth.ts';
import { lowerCallingThread } from '../runtime/priority.ts';
import { markStage } from '../runtime/stage-clock.ts';
import type { Restorer } from '../restore/restorer.ts';
import { createYunetDetector, type Detector } from '../track/index.ts';

export interface OpenModels {
  restorer: Restorer;
  detector: Detector | null;
  /** the nice values of the work around the model, before and after openModels lowered it; null where nothing changed */
  helperNice: { from: number; to: number } | null;
  close(): Promise<void>;
}

/** Finds, converts if needed, and loads the restorer (and the detector unless tracks are given). */
export async function openModels(options: RestoreOptions, ctx: { needDetector: boolean; signal?: AbortSignal; warn?: (m: string) => void }): Promise<OpenModels> {
  // process-wide, like the priority below: the pipeline's heaps churn, and collecting them less often saves CPU
  widenHeapGrowth();
  const modelsDir = resolveModelsDir({ cliDir: options.modelsDir });
  const detectorPath = ctx.needDetector ? locateAll(options.model, modelsDir) : null;
  const model = await resolveRestorerModel(options.model, modelsDir, { precision: options.fp16 ? 'float16' : 'float32', ...(ctx.signal ? { signal: ctx.signal } : {}) });
  const restorer = await OnnxRestorer.create({
    modelPath: model.onnxPath,
    device: options.device,
    ...(options.workers > 0 ? { workers: options.workers } : {}),
    ...(options.threads > 0 ? { threads: options.threads } : {}),
    ...(options.batch > 0 ? { batch: options.batch } : {}),
    ...(ctx.warn ? { onFallback: ctx.warn, onWarning: ctx.warn } : {}),
    ...(ctx.signal ? { signal: ctx.signal } : {}),
  });
  // After the model's workers exist, so they keep this thread's priority and what starts later does not.
  const lowered = restorer.info.provider === 'cpu' ? lowerCallingThread(options.helperNice) : null;
  let detector: Detector | null = null;
  try {
    // The detector keeps its low floor: weaker detections keep tracks alive; the tracker applies detectThreshold to births.
    if (detectorPath) detector = await createYunetDetector({ modelPath: detectorPath });
  } catch (e) {
    await restorer.close();
    throw e;
  }
  markStage('models-ready');
  return {
    restorer,
    detector,
    helperNice: lowered,
    async close() {
      await Promise.all([restorer.close(), detector?.close()]);
    },
  };
}

/**
 * The detector's path. Where it is missing and the restorer was named but is missing too, one
 * error names both, with one command that fetches both (not one now and the other on the next run).
 */
function locateAll(restorer: string, modelsDir: ResolvedModelsDir): string {
  try {
    return locateModel('yunet', modelsDir);
  } catch (e) {
    if (!(e instanceof ModelMissingError) || isModelPath(restorer)) throw e;
    try {
      locateModel(restorer, modelsDir);
    } catch (other) {
      if (!(other instanceof ModelMissingError)) throw other;
      const files = [getModel(restorer).file, getModel('yunet').file].join(' and ');
      throw new ModelMissingError(
        `Models "${getModel(restorer).name}" and "yunet" are not installed: ${files} not found in ${modelsDir.dir}. ` +
          `Fetch them with: ${fetchCommand(`${getModel(restorer).name} yunet`, modelsDir)}`,
      );
    }
    throw e;
  }
}
