/**
 * Re-runs the tracker offline on the detections the last `bench/temporal/index.ts` run recorded
 * (bench/results/work/temporal/*.replay.json) and prints the landmark table: seconds per
 * setting instead of minutes, for tuning src/track. No detector, no ffmpeg, no restorer.
 *
 *   npx tsx bench/temporal/replay.ts [--clips a,b] [--smoothing 0.7] [--track '{"lookAhead":12}']
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { resolveOptions } from '../../src/options/resolve-options.ts';
import { trackOptionsOf } from '../../src/pipeline/track-video.ts';
import type { Detection, Frame, TrackedFrame } from '../../src/track/index.ts';
import { resolveTrackOptions, type TrackOptions } from '../../src/track/track-options.ts';
import { Tracker } from '../../src/track/tracker.ts';
import { CLIP_NAMES } from './clips.ts';
import { landmarkStats, type FrameObservation } from './metrics.ts';
import type { Truth } from './reference.ts';
import { landmarkTable, printTable, verdictLine } from './report.ts';

export interface Replay {
  clip: string;
  motion: string;
  degradation: string;
  size: string;
  truthCuts: number[];
  frames: Array<{ t: number; sceneCut: boolean; detections: Detection[] | null; truths: Truth[] }>;
}

/** Runs the tracker over recorded detections and cut decisions; returns what trackFrames would have yielded (without pixels). */
export function replayTracker(replay: Replay, options: TrackOptions): TrackedFrame[] {
  const tracker = new Tracker(resolveTrackOptions(options));
  const out: TrackedFrame[] = [];
  for (const f of replay.frames) {
    const frame: Frame = { index: f.t, pts: f.t / 24, width: 0, height: 0, data: Buffer.alloc(0) };
    out.push(...tracker.push(frame, f.detections, f.sceneCut));
  }
  out.push(...tracker.finish());
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      clips: { type: 'string', default: CLIP_NAMES.join(',') },
      smoothing: { type: 'string' },
      track: { type: 'string', default: '{}' },
      work: { type: 'string', default: path.resolve('bench/results/work/temporal') },
      brief: { type: 'boolean', default: false },
    },
  });
  const resolved = resolveOptions({ cli: values.smoothing === undefined ? {} : { landmarkSmoothing: Number(values.smoothing) } }).options;
  const options: TrackOptions = { ...trackOptionsOf(resolved), ...(JSON.parse(values.track) as TrackOptions) };
  const rows = [];
  for (const name of values.clips.split(',').filter(Boolean)) {
    const file = path.join(values.work, `${name}.replay.json`);
    if (!existsSync(file)) {
      console.error(`${name}: no recording (${file}); run bench/temporal/index.ts first`);
      continue;
    }
    const replay = JSON.parse(readFileSync(file, 'utf8')) as Replay;
    const tracked = replayTracker(replay, options);
    const truths = new Map(replay.frames.map((f) => [f.t, f.truths]));
    const obs: FrameObservation[] = tracked.map((tf) => ({ t: tf.frame.index, faces: tf.faces, truths: truths.get(tf.frame.index) ?? [] }));
    rows.push({ ...replay, foundCuts: tracked.filter((f) => f.sceneCut).map((f) => f.frame.index), landmarks: landmarkStats(obs) });
  }
  const verdicts: Record<string, boolean[]> = {};
  if (values.brief) {
    // one line: jitter smooth/raw and RMSE smooth/raw per clip
    const cells = rows.map((r) => `${r.clip} ${(r.landmarks.smoothJitter / r.landmarks.rawJitter).toFixed(3)}/${(r.landmarks.smoothRmse / r.landmarks.rawRmse).toFixed(3)}`);
    landmarkTable(rows, verdicts);
    console.log(`${cells.join('  ')}  | ${verdictLine(verdicts)}`);
    process.exit(0);
  }
  console.log(`replay — tracker options ${JSON.stringify(resolveTrackOptions(options))}`);
  printTable(landmarkTable(rows, verdicts));
  console.log(verdictLine(verdicts));
}
