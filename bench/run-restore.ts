/**
 * One benchmark run, in its own process so its peak RSS is its own: restores a clip in-process and
 * prints one JSON line (summary, per-stage times, ffmpeg CPU, peak RSS, and optionally the pure
 * inference time of the same number of crops, measured afterwards with the same restorer settings).
 * Usage: npx tsx bench/run-restore.ts '<json: {input, output, options, pureInference?}>'
 */
import { readFileSync } from 'node:fs';
import { liveProcessIds } from '../src/ffmpeg/index.ts';
import { resolveOptions } from '../src/options/resolve-options.ts';
import type { PartialRestoreOptions } from '../src/options/option-table.ts';
import { restoreVideo } from '../src/pipeline/restore-video.ts';
import { OnnxRestorer } from '../src/restore/onnx-restorer.ts';

const req = JSON.parse(process.argv[2]!) as { input: string; output: string; options: PartialRestoreOptions; pureInference?: boolean; facesPerFrame?: number };
const { options } = resolveOptions({ cli: { progress: 'none', ...req.options } });

// ffmpeg's CPU time: sample /proc/<pid>/stat of our children until they exit (clock ticks → ms).
const ffmpegCpu = new Map<number, { role: string; ms: number }>();
const tick = 1000 / 100;
const sampler = setInterval(() => {
  for (const pid of liveProcessIds()) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ms = (Number(fields[11]) + Number(fields[12])) * tick;
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      const role = cmd.includes('pipe:0') ? 'encode' : cmd.includes('pipe:1') ? 'decode' : 'ffmpeg';
      ffmpegCpu.set(pid, { role, ms });
    } catch {
      // exited between listing and reading
    }
  }
}, 100);

const t0 = performance.now();
const summary = await restoreVideo({ input: req.input, output: req.output, options, overwrite: true });
const wallMs = performance.now() - t0;
clearInterval(sampler);
const ffmpegMs: Record<string, number> = {};
for (const { role, ms } of ffmpegCpu.values()) ffmpegMs[role] = (ffmpegMs[role] ?? 0) + ms;

let pureInferMs: number | null = null;
if (req.pureInference && summary.stats && summary.stats.crops > 0) {
  // Same model file, device, threads and batch as the pipeline; crops are fed in the same
  // per-frame groups, one call after another, with nothing else running.
  const { resolveRestorerModel } = await import('../src/models/resolve.ts');
  const { resolveModelsDir } = await import('../src/models/models-dir.ts');
  const model = await resolveRestorerModel(options.model, resolveModelsDir({ cliDir: options.modelsDir }));
  const restorer = await OnnxRestorer.create({ modelPath: model.onnxPath, device: options.device, ...(options.batch > 0 ? { batch: options.batch } : {}), ...(options.threads > 0 ? { threads: options.threads } : {}) });
  const S = restorer.info.size;
  const perFrame = req.facesPerFrame ?? 1;
  const crop = Uint8Array.from({ length: S * S * 3 }, (_, i) => (i * 37) % 251);
  await restorer.restore([crop]); // warm-up, as the pipeline's first call also paid it
  const start = performance.now();
  for (let done = 0; done < summary.stats.crops; done += perFrame) {
    await restorer.restore(Array.from({ length: Math.min(perFrame, summary.stats.crops - done) }, () => crop));
  }
  pureInferMs = performance.now() - start;
  await restorer.close();
}

const usage = process.resourceUsage();
process.stdout.write(`${JSON.stringify({ ...summary, wallMs, ffmpegMs, pureInferMs, maxRssMiB: usage.maxRSS / 1024, cpuUserMs: usage.userCPUTime / 1000, cpuSystemMs: usage.systemCPUTime / 1000 })}\n`);
process.exit(0);
