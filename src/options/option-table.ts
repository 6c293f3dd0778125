import { z } from 'zod';

/**
 * The one table of restore options. Presets, job files and CLI flags are all validated against
 * it; every option has a default, and the resolver records where each value came from.
 */
export const DEVICES = ['cpu', 'cuda', 'tensorrt', 'coreml', 'dml'] as const;
export const CODECS = ['libx264', 'libx265', 'ffv1', 'prores'] as const;

const frameRange = z.string().regex(/^\d+-\d*$/, 'S-E (frame indices, E exclusive; "S-" for the rest)');

export const RestoreOptionsSchema = z.strictObject({
  model: z.string().min(1).describe('restorer: a registry name or a .onnx/.pth path'),
  modelsDir: z.string().min(1).optional().describe('models directory'),
  device: z.enum(DEVICES).describe('onnxruntime execution provider'),
  threads: z.int().min(0).describe('onnxruntime intra-op threads per worker (0 = cores ÷ workers)'),
  workers: z.int().min(0).describe('inference workers (0 = 1 on CPU, 2 on GPUs)'),
  batch: z.int().min(0).max(64).describe('faces per inference call, at most (0 = 1 on CPU, 8 on GPUs)'),
  helperNice: z.int().min(0).max(19).describe('nice increment for decode, detect, blend, paste and encode while the model runs on the CPU, so the model keeps the cores (0 = equal priority; Linux)'),
  fp16: z.boolean().describe('convert .pth checkpoints with float16-stored weights (CPU); on --device cuda|tensorrt they are converted for float16 arithmetic regardless'),
  template: z.enum(['gpen', 'ffhq']).describe('alignment template'),
  temporalBlend: z.number().min(0).max(1).describe('weight of the previous restored face where nothing moved (0 = off)'),
  landmarkSmoothing: z.number().min(0).max(1).describe('temporal smoothing of landmarks (0 = raw detections)'),
  detectThreshold: z.number().min(0.05).max(0.99).describe('face detector score threshold'),
  frames: frameRange.optional().describe('restrict the work to frames S-E'),
  codec: z.enum(CODECS).describe('video encoder'),
  crf: z.int().min(0).max(63).describe('encoder quality (lower is better; ignored by lossless codecs)'),
  encoderPreset: z.string().min(1).describe('encoder speed preset (x264/x265)'),
  pixFmt: z.string().min(1).optional().describe('output pixel format (default: from the source and codec)'),
  progress: z.enum(['bar', 'json', 'none']).describe('progress output'),
});

export type RestoreOptions = z.infer<typeof RestoreOptionsSchema>;
export type OptionKey = keyof RestoreOptions;

/** A layer (preset, job file, CLI) may set any subset. */
export const PartialRestoreOptionsSchema = RestoreOptionsSchema.partial();
export type PartialRestoreOptions = z.infer<typeof PartialRestoreOptionsSchema>;

export const DEFAULTS: RestoreOptions = {
  model: 'gpen-bfr-512',
  device: 'cpu',
  threads: 0,
  workers: 0,
  batch: 0,
  helperNice: 19,
  fp16: false,
  template: 'gpen',
  temporalBlend: 0.9,
  landmarkSmoothing: 0.7,
  detectThreshold: 0.6,
  codec: 'libx264',
  crf: 18,
  encoderPreset: 'medium',
  progress: 'bar',
};
