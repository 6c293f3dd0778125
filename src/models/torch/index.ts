export { readCheckpoint, readCheckpointFromBuffer, type ReadCheckpointOptions } from './checkpoint.ts';
export { toFloat32, type StateDict, type TensorData, type TorchDType, type TorchTensor } from './tensor.ts';
