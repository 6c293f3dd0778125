import cliProgress from 'cli-progress';

export type ProgressMode = 'bar' | 'json' | 'none';

export interface ProgressUpdate {
  frame: number;
  total: number | null;
  faces: number;
}

export interface Summary {
  frames: number;
  facesRestored: number;
  seconds: number;
  fps: number;
  /** where the time went, for benchmarks: main-thread stage milliseconds and the restorer's own */
  stats?: { stageMs: Record<string, number>; inferMs: number; inferCalls: number; crops: number };
}

export interface ProgressReporter {
  update(u: ProgressUpdate): void;
  finish(summary: Summary): void;
  stop(): void;
}

/**
 * Progress for people (a bar with fps and ETA, on a terminal) or for farm managers (`json`: one
 * object per line on stderr: frame, total, fps, eta_s, faces). The summary always prints.
 */
export function createProgress(mode: ProgressMode, stream: NodeJS.WriteStream = process.stderr): ProgressReporter {
  const started = performance.now();
  const rate = (frame: number) => frame / Math.max(1e-3, (performance.now() - started) / 1000);
  let bar: cliProgress.SingleBar | null = null;
  let lastJson = 0;
  const effective = mode === 'bar' && !stream.isTTY ? 'json-sparse' : mode;

  return {
    update({ frame, total, faces }) {
      const fps = rate(frame);
      const eta = total && fps > 0 ? Math.max(0, (total - frame) / fps) : null;
      if (effective === 'bar') {
        if (!bar) {
          bar = new cliProgress.SingleBar(
            { format: 'restoring [{bar}] {percentage}% | {value}/{total} frames | {fps} fps | ETA {eta_formatted} | {faces} faces', stream, hideCursor: true, etaBuffer: 50 },
            cliProgress.Presets.shades_classic,
          );
          bar.start(total ?? 0, 0, { fps: '0.0', faces: 0 });
        }
        bar.update(frame, { fps: fps.toFixed(1), faces });
      } else if (effective === 'json' || (effective === 'json-sparse' && performance.now() - lastJson > 5000)) {
        lastJson = performance.now();
        stream.write(`${JSON.stringify({ frame, total, fps: Number(fps.toFixed(2)), eta_s: eta === null ? null : Math.round(eta), faces })}\n`);
      }
    },
    finish(s) {
      bar?.stop();
      bar = null;
      if (mode === 'json') stream.write(`${JSON.stringify({ done: true, frames: s.frames, faces_restored: s.facesRestored, seconds: Number(s.seconds.toFixed(2)), fps: Number(s.fps.toFixed(2)) })}\n`);
      else stream.write(`done: ${s.frames} frames, ${s.facesRestored} faces restored in ${s.seconds.toFixed(1)} s (${s.fps.toFixed(1)} fps)\n`);
    },
    stop() {
      bar?.stop();
      bar = null;
    },
  };
}
