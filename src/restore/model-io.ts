import type * as ort from 'onnxruntime-node';
import { ModelError } from '../errors.ts';

export interface ModelIo {
  inputName: string;
  outputName: string;
  size: number;
  maxBatch: number;
}

/**
 * Reads a restorer's I/O contract from the loaded model instead of assuming it: community exports
 * have batch 1 and a static size, ours a dynamic batch. Input must be [N, 3, S, S].
 */
export function describeModelIo(session: ort.InferenceSession, file: string): ModelIo {
  const meta = session.inputMetadata[0];
  const inputName = session.inputNames[0];
  const outputName = session.outputNames.includes('output') ? 'output' : session.outputNames[0];
  if (!meta || !inputName || !outputName || !meta.isTensor) {
    throw new ModelError('E_MODEL_IO', `${file}: the model has no tensor input/output; a face restorer takes [N,3,S,S]`);
  }
  const [n, c, h, w] = meta.shape;
  if (meta.shape.length !== 4 || c !== 3 || typeof h !== 'number' || h !== w) {
    throw new ModelError('E_MODEL_IO', `${file}: input "${inputName}" has shape [${meta.shape.join(',')}]; expected [N,3,S,S] with a fixed square size S`);
  }
  const maxBatch = typeof n === 'number' && n > 0 ? n : Number.POSITIVE_INFINITY;
  return { inputName, outputName, size: h, maxBatch };
}
