export { encodeVideo, type EncodeFrame, type EncodeOptions, type EncodeResult } from './encoder.ts';
export { buildEncodeArgs, type EncodeArgs, type EncodeArgsInput, type EncodeSource } from './encode-args.ts';
export { prepareOutput, cleanupAllTempOutputs, type PreparedOutput, type PrepareOutputOptions } from './output-file.ts';
export { VIDEO_CODECS, isVideoCodec, type VideoCodec } from './video-codecs.ts';
export { supportedExtensions, type ContainerName } from './containers.ts';
export type { VideoTiming } from './timing.ts';
export { buildJoinArgs, concatList, type JoinArgs, type JoinArgsInput, type JoinPiece } from './join-args.ts';
