// Inference worker: owns one onnxruntime session, so run() never blocks the main event loop.
import { parentPort, workerData } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import { cropsToTensor, tensorToCrops } from './crop-tensor.ts';
import { describeModelIo } from './model-io.ts';
import type { WorkerInit, WorkerReply, WorkerRequest } from './worker-protocol.ts';

const init = workerData as WorkerInit;
const port = parentPort!;
const post = (msg: WorkerReply, transfer: ArrayBuffer[] = []) => port.postMessage(msg, transfer);

async function createSession(): Promise<{ session: ort.InferenceSession; provider: string; fallbackReason: string | null }> {
  const options = (providers: string[]): ort.InferenceSession.SessionOptions => ({
    executionProviders: providers,
    // A missing provider library is expected on CPU-only machines: we report it once, ourselves.
    logSeverityLevel: providers[0] === 'cpu' ? 2 : 4,
    intraOpNumThreads: init.intraOpThreads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
  });
  // onnxruntime's log level is process-wide and fixed by the first session a process creates.
  if (init.device !== 'cpu') ort.env.logLevel = 'fatal';
  if (init.device === 'cpu') return { session: await ort.InferenceSession.create(init.modelPath, options(['cpu'])), provider: 'cpu', fallbackReason: null };
  try {
    return { session: await ort.InferenceSession.create(init.modelPath, options([init.device, 'cpu'])), provider: init.device, fallbackReason: null };
  } catch (e) {
    const reason = e instanceof Error ? e.message.split('\n')[0]! : String(e);
    return { session: await ort.InferenceSession.create(init.modelPath, options(['cpu'])), provider: 'cpu', fallbackReason: reason };
  }
}

try {
  const { session, provider, fallbackReason } = await createSession();
  const io = describeModelIo(session, init.modelPath);
  post({ type: 'ready', ...io, provider, fallbackReason });
  port.on('message', async (req: WorkerRequest) => {
    try {
      const t0 = performance.now();
      const input = new ort.Tensor('float32', cropsToTensor(req.crops, io.size), [req.crops.length, 3, io.size, io.size]);
      const result = await session.run({ [io.inputName]: input });
      const out = result[io.outputName]!.data as Float32Array;
      const crops = tensorToCrops(out, req.crops.length, io.size);
      post({ type: 'result', id: req.id, crops, inferMs: performance.now() - t0 }, crops.map((c) => c.buffer as ArrayBuffer));
    } catch (e) {
      post({ type: 'error', id: req.id, message: e instanceof Error ? e.message : String(e), code: 'E_INFERENCE' });
    }
  });
} catch (e) {
  const err = e as { code?: string; message?: string };
  post({ type: 'error', id: null, message: err.message ?? String(e), code: err.code ?? 'E_MODEL_LOAD' });
}
