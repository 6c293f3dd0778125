import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { tempPath } from '../helpers/clips.ts';
import { describeShared } from '../helpers/shared.ts';
import { modelsEnv, portraitClip, startCli, testModel } from './fixtures.ts';

/** kB values of VmRSS and VmHWM (peak RSS so far) of a live process, or null once it is gone. */
function memoryOf(pid: number): { rss: number; hwm: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    const rss = kb('VmRSS');
    const hwm = kb('VmHWM');
    return Number.isFinite(rss) && Number.isFinite(hwm) ? { rss, hwm } : null;
  } catch {
    return null;
  }
}

/**
 * Restores a clip with the CLI (one node process; decoding, encoding and inference workers are
 * its threads, ffmpeg its children) and returns the peak resident memory of that process, kB.
 * VmHWM vanishes with the process, so it is sampled while the process runs.
 */
async function peakMemory(clip: string, model: string, name: string): Promise<{ peak: number; samples: number }> {
  const run = startCli(['restore', clip, '-o', tempPath(name), '--model', model, '--progress', 'none'], modelsEnv());
  let peak = 0;
  let samples = 0;
  const sample = () => {
    const m = memoryOf(run.pid);
    if (m) {
      peak = Math.max(peak, m.hwm, m.rss);
      samples++;
    }
  };
  const timer = setInterval(sample, 50);
  const result = await run.exited.finally(() => clearInterval(timer));
  expect(result.code, result.stderr).toBe(0);
  return { peak, samples };
}

describeShared('memory does not grow with the length of the video', () => {
  it('peak memory of a 60 s clip is within 15% of a 10 s clip', async () => {
    const model = await testModel('identity', 256);
    const [short, long] = await Promise.all([
      portraitClip({ width: 320, height: 240, fps: 10, duration: 10 }),
      portraitClip({ width: 320, height: 240, fps: 10, duration: 60 }),
    ]);
    const a = await peakMemory(short, model, 'memory-10s.mp4');
    const b = await peakMemory(long, model, 'memory-60s.mp4');
    console.log(`peak RSS: 10 s clip ${(a.peak / 1024).toFixed(1)} MiB (${a.samples} samples), 60 s clip ${(b.peak / 1024).toFixed(1)} MiB (${b.samples} samples), ratio ${(b.peak / a.peak).toFixed(3)}`);
    expect(a.samples).toBeGreaterThan(5);
    expect(b.peak).toBeLessThanOrEqual(a.peak * 1.15);
  });
});
