export { readJob, writeJob, jobPaths, chunkFiles, jobSchema, JOB_FORMAT, JOB_VERSION, type JobManifest, type JobChunk } from './manifest.ts';
export { planJob, splitFrames, decodeStart, DEFAULT_CHUNK_FRAMES, type PlanRequest } from './plan-job.ts';
export { renderChunk, type RenderChunkRequest, type RenderChunkResult, type MachineOptions } from './render-chunk.ts';
export { assembleJob, type AssembleResult } from './assemble-job.ts';
export { chunkProblem } from './chunk-record.ts';
export { selectChunks, ARRAY_INDEX_ENV, type ChunkSelection } from './select-chunks.ts';
