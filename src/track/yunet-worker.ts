// YuNet worker: owns the detector's onnxruntime session and does the resizing, so neither the
// blocking run() nor the per-pixel work lands on the main event loop.
import { parentPort, workerData } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import { stopwatch } from '../runtime/stage-clock.ts';
import { detectPyramid, type YunetRun } from './yunet-detect.ts';
import { YUNET_STRIDES } from './yunet-decode.ts';
import type { YunetReply, YunetRequest, YunetWorkerInit } from './yunet-protocol.ts';

const init = workerData as YunetWorkerInit;
const port = parentPort!;
const post = (msg: YunetReply, transfer: ArrayBuffer[] = []) => port.postMessage(msg, transfer);
const EXPECTED = YUNET_STRIDES.flatMap((s) => ['cls', 'obj', 'bbox', 'kps'].map((k) => `${k}_${s}`));

try {
  const session = await ort.InferenceSession.create(init.modelPath, {
    executionProviders: ['cpu'],
    intraOpNumThreads: init.intraOpThreads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    // Inputs change size (windows, magnified cut-outs): a memory pattern per shape would pile up.
    enableMemPattern: false,
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  });
  const missing = EXPECTED.filter((name) => !session.outputNames.includes(name));
  if (session.inputNames.length !== 1 || missing.length > 0) {
    throw Object.assign(new Error(`${init.modelPath} is not a YuNet model: it lacks outputs ${missing.join(', ') || '(one input expected)'}`), { code: 'E_MODEL_IO' });
  }
  const inputName = session.inputNames[0]!;
  const run: YunetRun = async (input, width, height) => {
    const result = await session.run({ [inputName]: new ort.Tensor('float32', input, [1, 3, height, width]) });
    return Object.fromEntries(EXPECTED.map((name) => [name, result[name]!.data as Float32Array]));
  };
  // One request at a time: the session is not re-entrant, and queued requests wait their turn here.
  let chain: Promise<void> = Promise.resolve();
  port.on('message', (req: YunetRequest) => {
    chain = chain.then(async () => {
      try {
        const clock = stopwatch();
        const detections = await detectPyramid({ width: req.width, height: req.height, data: req.data }, run, init.detect, req.near);
        post({ type: 'result', id: req.id, detections, ...clock(), data: req.data }, [req.data.buffer as ArrayBuffer]);
      } catch (e) {
        post({ type: 'error', id: req.id, message: e instanceof Error ? e.message : String(e), code: 'E_DETECT', data: req.data }, [req.data.buffer as ArrayBuffer]);
      }
    });
  });
  post({ type: 'ready' });
} catch (e) {
  const err = e as { code?: string; message?: string };
  post({ type: 'error', id: null, message: err.message ?? String(e), code: err.code ?? 'E_MODEL_LOAD' });
}
