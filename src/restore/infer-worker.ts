// Inference worker: owns one onnxruntime session, so run() never blocks the main event loop. It
// also warps faces out of the frame rectangles it is given, so the main thread does no per-pixel work.
import { readdirSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import { stageCpuEnabled, stopwatch, threadCpuMs } from '../runtime/stage-clock.ts';
import { cropsToTensor, tensorToCrops } from './crop-tensor.ts';
import { describeModelIo } from './model-io.ts';
import { restorerSessionOptions, sessionOnDevice } from './session-options.ts';
import { warpToCrop } from './warp.ts';
import type { WorkerInit, WorkerReply, WorkerRequest, WorkerResult } from './worker-protocol.ts';

const init = workerData as WorkerInit;
const port = parentPort!;
const post = (msg: WorkerReply, transfer: ArrayBuffer[] = []) => port.postMessage(msg, transfer);

const threadIds = (): Set<string> => {
  try {
    return new Set(readdirSync('/proc/self/task'));
  } catch {
    return new Set();
  }
};

interface Created {
  session: ort.InferenceSession;
  provider: string;
  fallbackReason: string | null;
  /** why init.optimizedPath did not load, if it did not */
  optimizedFailure?: string;
}

async function createSession(): Promise<Created> {
  const options = (providers: string[], preOptimized = false) => restorerSessionOptions({ threads: init.intraOpThreads, spin: init.spin ?? false, providers, preOptimized });
  // onnxruntime's log level is process-wide and fixed by the first session a process creates.
  if (init.device !== 'cpu') ort.env.logLevel = 'fatal';
  if (init.device === 'cpu') {
    let optimizedFailure: string | undefined;
    if (init.optimizedPath) {
      try {
        return { session: await ort.InferenceSession.create(init.optimizedPath, options(['cpu'], true)), provider: 'cpu', fallbackReason: null };
      } catch (e) {
        // a damaged cache file: the original still loads, and the restorer removes the file
        optimizedFailure = e instanceof Error ? e.message.split('\n')[0]! : String(e);
      }
    }
    return { session: await ort.InferenceSession.create(init.modelPath, options(['cpu'])), provider: 'cpu', fallbackReason: null, ...(optimizedFailure ? { optimizedFailure } : {}) };
  }
  return sessionOnDevice(init.modelPath, init.device, { threads: init.intraOpThreads, spin: init.spin ?? false });
}

try {
  // onnxruntime's intra-op pool threads are the ones the session creates; their CPU counts as inference
  // (benchmarks only; approximate when several workers create sessions at the same moment).
  const before = stageCpuEnabled ? threadIds() : new Set<string>();
  const { session, provider, fallbackReason, optimizedFailure } = await createSession();
  const pool = stageCpuEnabled ? [...threadIds()].filter((t) => !before.has(t)) : [];
  const poolCpu = (): number => pool.reduce((sum, t) => sum + (threadCpuMs(t) || 0), 0);
  const io = describeModelIo(session, init.modelPath);
  const plane = 3 * io.size * io.size;
  // The input tensor's buffer is reused from call to call: calls run one at a time (below).
  let tensorData = new Float32Array(0);
  const stop = init.stop ? new Int32Array(init.stop) : null;

  const handle = async (req: WorkerRequest): Promise<void> => {
    if (stop && Atomics.load(stop, 0) === 1) {
      post({ type: 'error', id: req.id, message: 'the restorer closed', code: 'E_CLOSED' });
      return;
    }
    try {
      const warp = stopwatch();
      const inputs = req.items.map((item) => ('crop' in item ? null : warpToCrop(item.source, item.toCrop, io.size, undefined, item.source.at)));
      const crops = req.items.map((item, i) => ('crop' in item ? item.crop : inputs[i]!));
      const warped = warp();
      const infer = stopwatch();
      const p0 = stageCpuEnabled ? poolCpu() : 0;
      if (tensorData.length !== crops.length * plane) tensorData = new Float32Array(crops.length * plane);
      const input = new ort.Tensor('float32', cropsToTensor(crops, io.size, tensorData), [crops.length, 3, io.size, io.size]);
      const result = await session.run({ [io.inputName]: input });
      const out = result[io.outputName]!.data as Float32Array;
      const restored = tensorToCrops(out, crops.length, io.size);
      const inferred = infer();
      const msg: WorkerResult = {
        type: 'result',
        id: req.id,
        crops: restored,
        inputs,
        inferMs: inferred.wallMs,
        warpMs: warped.wallMs,
        cpu: { align: warped.cpuMs, infer: inferred.cpuMs + (stageCpuEnabled ? poolCpu() - p0 : 0) },
      };
      const transfer = [...restored, ...inputs.filter((c) => c !== null)].map((c) => c.buffer as ArrayBuffer);
      post(msg, transfer);
    } catch (e) {
      post({ type: 'error', id: req.id, message: e instanceof Error ? e.message : String(e), code: 'E_INFERENCE' });
    }
  };

  post({ type: 'ready', ...io, provider, fallbackReason, ...(optimizedFailure ? { optimizedFailure } : {}) });
  // One call at a time, in order: the restorer may send the next while one runs (perWorker), and
  // the binding defers run() to setImmediate, so without the chain two calls would share the tensor
  // buffer and each stopwatch would time the other's run too.
  let chain: Promise<void> = Promise.resolve();
  port.on('message', (req: WorkerRequest) => {
    chain = chain.then(() => handle(req));
  });
} catch (e) {
  const err = e as { code?: string; message?: string };
  post({ type: 'error', id: null, message: err.message ?? String(e), code: err.code ?? 'E_MODEL_LOAD' });
}
