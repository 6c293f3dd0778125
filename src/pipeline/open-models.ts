import { ModelMissingError } from '../errors.ts';
import { fetchCommand, locateModel, resolveModelsDir, type ResolvedModelsDir } from '../models/models-dir.ts';
import type { WeightPrecision } from '../models/onnx/graph-builder.ts';
import { getModel } from '../models/registry.ts';
import { isModelPath, resolveRestorerModel } from '../models/resolve.ts';
import type { RestoreOptions } from '../options/option-table.ts';
import { OnnxRestorer } from '../restore/onnx-restorer.ts';
import { widenHeapGrowth } from '../runtime/heap-growth.ts';
import { lowerCallingThread } from '../runtime/priority.ts';
import { markStage } from '../runtime/stage-clock.ts';
import type { Restorer } from '../restore/restorer.ts';
import { YunetDetector, type Detector } from '../track/index.ts';

export interface OpenModels {
  restorer: Restorer;
  detector: Detector | null;
  /** the nice values of the work around the model, before and after openModels lowered it; null where nothing changed */
  helperNice: { from: number; to: number } | null;
  close(): Promise<void>;
}

/** Models as startModels returns them, still loading in their workers: detector calls wait for the detector. */
export interface StartedModels extends Omit<OpenModels, 'restorer'> {
  /** settles once both models are loaded (marks 'models-ready'), or with either's failure */
  restorer: Promise<Restorer>;
}

interface OpenModelsContext {
  needDetector: boolean;
  signal?: AbortSignal;
  warn?: (m: string) => void;
}

/** Finds, converts if needed, and loads the restorer (and the detector unless tracks are given). */
export async function openModels(options: RestoreOptions, ctx: OpenModelsContext): Promise<OpenModels> {
  const started = await startModels(options, ctx);
  try {
    return { ...started, restorer: await started.restorer };
  } catch (e) {
    await started.close();
    throw e;
  }
}

/**
 * openModels, returning once the models' workers are started, while they load: the caller decodes
 * and detects the first frames (the tracker's look-ahead) meanwhile instead of after the load, so
 * a face is ready for the model sooner after the model is.
 */
export async function startModels(options: RestoreOptions, ctx: OpenModelsContext): Promise<StartedModels> {
  // process-wide, like the priority below: the pipeline's heaps churn, and collecting them less often saves CPU
  widenHeapGrowth();
  const modelsDir = resolveModelsDir({ cliDir: options.modelsDir });
  const detectorPath = ctx.needDetector ? locateAll(options.model, modelsDir) : null;
  const model = await resolveRestorerModel(options.model, modelsDir, { precision: checkpointPrecision(options), ...(ctx.signal ? { signal: ctx.signal } : {}) });
  const loading = await OnnxRestorer.start({
    modelPath: model.onnxPath,
    device: options.device,
    ...(options.workers > 0 ? { workers: options.workers } : {}),
    ...(options.threads > 0 ? { threads: options.threads } : {}),
    ...(options.batch > 0 ? { batch: options.batch } : {}),
    ...(ctx.warn ? { onFallback: ctx.warn, onWarning: ctx.warn } : {}),
    ...(ctx.signal ? { signal: ctx.signal } : {}),
  });
  // After the model's workers exist, so they keep this thread's priority and what starts later does
  // not. Decided by the device asked for: the detector and the decoder start before the load ends.
  const lowered = options.device === 'cpu' ? lowerCallingThread(options.helperNice) : null;
  // The detector keeps its low floor: weaker detections keep tracks alive; the tracker applies detectThreshold to births.
  const detecting = detectorPath ? YunetDetector.create({ modelPath: detectorPath }) : null;
  const loaded = Promise.all([loading.ready, detecting]).then(([restorer]) => {
    markStage('models-ready');
    return restorer;
  });
  // each failure reaches the caller through `restorer` (and a detector's through detect() too)
  for (const p of [loading.ready, detecting, loaded]) p?.catch(() => {});
  return {
    restorer: loaded,
    detector: detecting ? whenLoaded(detecting) : null,
    helperNice: lowered,
    async close() {
      await Promise.all([loading.ready.then((r) => r.close(), () => {}), detecting?.then((d) => d.close(), () => {})]);
    },
  };
}

/**
 * How a .pth checkpoint is converted for this run. On an NVIDIA GPU the feature maps are computed
 * in float16 (tensor cores; within 1e-3 relative L2 of float32; a fallback to the CPU still runs
 * it, 5–30% slower than float32 there); elsewhere float32, with float16-stored weights under --fp16.
 */
export function checkpointPrecision(options: Pick<RestoreOptions, 'device' | 'fp16'>): WeightPrecision {
  if (options.device === 'cuda' || options.device === 'tensorrt') return 'half';
  return options.fp16 ? 'float16' : 'float32';
}

/**
 * The detector while its worker still loads: calls wait for it, so the decoder can start at once.
 * The YuNet worker takes about as long to start as the tracker's look-ahead takes to decode.
 */
function whenLoaded(ready: Promise<YunetDetector>): Detector & Pick<YunetDetector, 'detectNear'> {
  return {
    detect: async (frame, signal) => (await ready).detect(frame, signal),
    detectNear: async (frame, near, signal) => (await ready).detectNear(frame, near, signal),
    close: () => ready.then((d) => d.close(), () => {}),
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
