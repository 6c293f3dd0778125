import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, realpath, rename, rm, stat } from 'node:fs/promises';
import { cpus } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { userCacheDir } from '../models/models-dir.ts';

/** Where optimized models are kept: a directory, or "off" (every load optimizes the model again). Entries are safe to delete. */
export const ORT_CACHE_ENV = 'GPEN_VIDEO_ORT_CACHE';

/** Smaller models load in a fraction of a second and hold little twice: not worth a cache entry. */
const MIN_BYTES = 16 << 20;

export function ortCacheDir(env: NodeJS.ProcessEnv = process.env): string | null {
  const v = env[ORT_CACHE_ENV]?.trim();
  if (v === 'off' || v === '0') return null;
  if (v) return path.resolve(v);
  return path.join(userCacheDir(env), 'ort-cpu');
}

/** The CPU's model and instruction-set flags: the optimized graph picks kernels and layouts for them. */
function cpuSignature(): string {
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    const line = (key: string) => info.match(new RegExp(`^${key}\\s*:\\s*(.*)$`, 'm'))?.[1] ?? '';
    return `${line('model name')}|${line('flags')}`;
  } catch {
    return cpus()[0]?.model ?? 'unknown';
  }
}

/** Cache file of a model: named after it, keyed by its file's identity, onnxruntime's version and the CPU. */
export async function optimizedModelFile(modelPath: string, cacheDir: string): Promise<string> {
  const real = await realpath(modelPath);
  const s = await stat(real);
  const key = createHash('sha256')
    .update(JSON.stringify({ v: 1, ort: ort.env.versions.node ?? ort.env.versions.common, arch: process.arch, cpu: cpuSignature(), file: real, size: s.size, mtimeMs: s.mtimeMs }))
    .digest('hex')
    .slice(0, 16);
  return path.join(cacheDir, `${path.basename(real, '.onnx')}-${key}.onnx`);
}

export interface CpuOptimizedOptions {
  /** default: ortCacheDir() */
  cacheDir?: string | null;
  signal?: AbortSignal;
  /** models smaller than this are not cached (default 16 MiB) */
  minBytes?: number;
}

/**
 * The model with onnxruntime's CPU graph optimizations (fusions, the NCHWc layout) applied and
 * saved, made on first use in a child process, or null where caching is off, the model is small, or
 * the optimized file could not be made (the caller then loads the original and optimizes at load).
 * Why: optimizing at load keeps both the original and the rewritten weights in the process
 * (GPEN-512 on 2 cores, measured: peak RSS 1.52 GB when optimized at load, 1.04 GB loading the saved
 * graph with optimizations off, the same speed).
 */
export async function cpuOptimizedModel(modelPath: string, opts: CpuOptimizedOptions = {}): Promise<{ path: string | null; warning?: string }> {
  const cacheDir = opts.cacheDir === undefined ? ortCacheDir() : opts.cacheDir;
  if (cacheDir === null) return { path: null };
  try {
    if ((await stat(modelPath)).size < (opts.minBytes ?? MIN_BYTES)) return { path: null };
    const file = await optimizedModelFile(modelPath, cacheDir);
    if (await stat(file).then((s) => s.size > 0, () => false)) return { path: file };
    await mkdir(cacheDir, { recursive: true });
    const tmp = path.join(cacheDir, `.${path.basename(file)}.${randomBytes(4).toString('hex')}.tmp`);
    try {
      await runChild(modelPath, tmp, opts.signal);
      // Another process may have made the same file meanwhile: both are the same graph.
      await rename(tmp, file);
    } finally {
      await rm(tmp, { force: true });
    }
    return { path: file };
  } catch (e) {
    opts.signal?.throwIfAborted();
    const why = e instanceof Error ? e.message.split('\n')[0] : String(e);
    return { path: null, warning: `could not save an optimized copy of ${modelPath} in ${cacheDir} (${why}); loading it as it is, which takes more memory. Set ${ORT_CACHE_ENV} to a writable directory, or to "off".` };
  }
}

function runChild(source: string, destination: string, signal?: AbortSignal): Promise<void> {
  const child = fileURLToPath(new URL('./optimize-model-child.mjs', import.meta.url));
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [child, source, destination], { signal, timeout: 600_000, maxBuffer: 1 << 20 }, (error, _stdout, stderr) => {
      if (error) reject(new Error(`onnxruntime could not optimize the model: ${stderr.trim().split('\n').pop() || error.message}`));
      else resolve();
    });
  });
}
