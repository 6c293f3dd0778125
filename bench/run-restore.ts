/**
 * One benchmark run, in its own process so its peak RSS is its own: restores a clip in-process and
 * prints one JSON line: the summary, wall and CPU time per stage (GPEN_VIDEO_STAGE_CPU=1 is set
 * here before anything reads it), ffmpeg's CPU by role, peak RSS, the time models took to load,
 * and optionally the pure inference time of the same number of crops, measured afterwards with the
 * same restorer settings.
 * Usage: npx tsx bench/run-restore.ts '<json: {input, output, options, pureInference?, facesPerFrame?}>'
 */
process.env.GPEN_VIDEO_STAGE_CPU = '1';
const { readFileSync } = await import('node:fs');
const { liveProcessIds } = await import('../src/ffmpeg/index.ts');
const { procCpuMs } = await import('./proc-cpu.ts');
const { resolveOptions } = await import('../src/options/resolve-options.ts');
const { restoreVideo } = await import('../src/pipeline/restore-video.ts');
const { OnnxRestorer } = await import('../src/restore/onnx-restorer.ts');
const { stageMarks, stageTotals } = await import('../src/runtime/stage-clock.ts');
type PartialRestoreOptions = import('../src/options/option-table.ts').PartialRestoreOptions;

const req = JSON.parse(process.argv[2]!) as { input: string; output: string; options: PartialRestoreOptions; pureInference?: boolean; facesPerFrame?: number };
const { options } = resolveOptions({ cli: { progress: 'none', ...req.options } });

// ffmpeg's CPU: the exact total is this process's waited-for children's (/proc/self/stat cutime +
// cstime, read before and after); its split by role comes from sampling /proc/<pid>/stat of our
// children every 250 ms (a faster sampler took measurable CPU from the run it measures).
const ffmpegCpu = new Map<number, { role: string; ms: number }>();
const children0 = procCpuMs('self', 'children');
const sample = () => {
  for (const pid of liveProcessIds()) {
    try {
      const ms = procCpuMs(pid);
      // the command line is gone once the process has exited: keep the role first seen
      const known = ffmpegCpu.get(pid)?.role;
      const cmd = known ? '' : readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      const role = known ?? (cmd.includes('pipe:0') ? 'encode' : cmd.includes('pipe:1') ? 'decode' : cmd ? 'probe' : '');
      if (role) ffmpegCpu.set(pid, { role, ms });
    } catch {
      // exited between listing and reading
    }
  }
};
const sampler = setInterval(sample, 250);

const t0 = performance.now();
const summary = await restoreVideo({ input: req.input, output: req.output, options, overwrite: true });
const wallMs = performance.now() - t0;
clearInterval(sampler);
const stages = structuredClone(stageTotals);
// the pipeline's ends, where the model waits for the first frame or the last frame waits for the rest
const at = (name: string): number | null => stageMarks[name] ?? null;
const first = at('first-inference-sent'), last = at('last-inference-done'), ready = at('models-ready');
const ends = { untilFirstInferenceMs: first !== null && ready !== null ? first - ready : null, afterLastInferenceMs: last !== null ? t0 + wallMs - last : null };
const loadMs = (ready ?? t0) - t0;
const usage = process.resourceUsage();
const ffmpegMs: Record<string, number> = {};
for (const { role, ms } of ffmpegCpu.values()) ffmpegMs[role] = (ffmpegMs[role] ?? 0) + ms;
// each process's last quarter second went unsampled: spread the exact total over the roles as sampled
const sampled = Object.values(ffmpegMs).reduce((a, b) => a + b, 0);
const exact = procCpuMs('self', 'children') - children0;
for (const role of Object.keys(ffmpegMs)) ffmpegMs[role] = sampled > 0 ? (ffmpegMs[role]! * exact) / sampled : 0;

let pureInferMs: number | null = null;
/** the process's CPU during the pure inference (the model's threads; the rest of the process idles) */
let pureInferCpuMs: number | null = null;
/** the provider the pure inference ran on (the pipeline asked for the same device) */
let provider: string | null = null;
if (req.pureInference && summary.stats && summary.stats.crops > 0) {
  // Same model file, device, workers, threads and batch as the pipeline; crops are fed in the same
  // per-frame groups with nothing else running, as many calls in flight as keep every worker busy.
  const { resolveRestorerModel } = await import('../src/models/resolve.ts');
  const { resolveModelsDir } = await import('../src/models/models-dir.ts');
  const model = await resolveRestorerModel(options.model, resolveModelsDir({ cliDir: options.modelsDir }));
  const restorer = await OnnxRestorer.create({
    modelPath: model.onnxPath,
    device: options.device,
    ...(options.workers > 0 ? { workers: options.workers } : {}),
    ...(options.batch > 0 ? { batch: options.batch } : {}),
    ...(options.threads > 0 ? { threads: options.threads } : {}),
  });
  const S = restorer.info.size;
  const perFrame = req.facesPerFrame ?? 1;
  const crop = Uint8Array.from({ length: S * S * 3 }, (_, i) => (i * 37) % 251);
  // warm-up (every worker), as the pipeline's first calls also paid it
  await Promise.all(Array.from({ length: restorer.info.workers }, () => restorer.restore([crop])));
  const inFlight: Promise<unknown>[] = [];
  const cpu0 = procCpuMs('self');
  const start = performance.now();
  for (let done = 0; done < summary.stats.crops; done += perFrame) {
    inFlight.push(restorer.restore(Array.from({ length: Math.min(perFrame, summary.stats.crops - done) }, () => crop)));
    if (inFlight.length > restorer.info.workers) await inFlight.shift();
  }
  await Promise.all(inFlight);
  pureInferMs = performance.now() - start;
  pureInferCpuMs = procCpuMs('self') - cpu0;
  provider = restorer.info.provider;
  await restorer.close();
}

process.stdout.write(
  `${JSON.stringify({
    ...summary,
    wallMs,
    loadMs,
    stages,
    ends,
    ffmpegMs,
    pureInferMs,
    pureInferCpuMs,
    provider,
    maxRssMiB: usage.maxRSS / 1024,
    cpuUserMs: usage.userCPUTime / 1000,
    cpuSystemMs: usage.systemCPUTime / 1000,
  })}\n`,
);
process.exit(0);
