export type { Restorer, RestorerInfo, RestorerStats, Device } from './restorer.ts';
export { OnnxRestorer, type OnnxRestorerOptions } from './onnx-restorer.ts';
export { cropsToTensor, tensorToCrops } from './crop-tensor.ts';
