/** Tables and PASS/FAIL verdicts of the temporal benchmark. */
import type { LandmarkStats } from './metrics.ts';

/** The targets (see README-section.md). */
export const TARGET = { jitterRatio: 0.2, flickerRatio: 0.35, seamRatio: 0.35, ghostDropDb: 0.5 };

export interface LandmarkRow {
  clip: string;
  motion: string;
  degradation: string;
  size: string;
  truthCuts: number[];
  foundCuts: number[];
  landmarks: LandmarkStats;
}

export const pf = (ok: boolean): string => (ok ? 'PASS' : 'FAIL');
export const fmt = (v: number, d: number): string => (Number.isFinite(v) ? v.toFixed(d) : String(v));

export function landmarkTable(rows: readonly LandmarkRow[], verdicts: Record<string, boolean[]>): string[][] {
  const t: string[][] = [['clip', 'motion', 'degradation', 'size', 'faces', 'cov', 'id+', 'cuts ok', 'jitter raw', 'jitter smooth', '×raw', '≤0.2×', 'RMSE raw', 'RMSE smooth', 'smooth≤raw']];
  for (const r of rows) {
    const l = r.landmarks;
    const jOk = l.smoothJitter <= TARGET.jitterRatio * l.rawJitter;
    const eOk = l.smoothRmse <= l.rawRmse;
    (verdicts.jitter ??= []).push(jOk);
    (verdicts.rmse ??= []).push(eOk);
    const cutsOk = JSON.stringify(r.truthCuts) === JSON.stringify(r.foundCuts);
    t.push([r.clip, r.motion, r.degradation, r.size, String(l.faces), fmt(l.coverage, 2), String(l.idSwitches), cutsOk ? 'yes' : `no ${JSON.stringify(r.foundCuts)}`, fmt(l.rawJitter, 4), fmt(l.smoothJitter, 4), fmt(l.smoothJitter / l.rawJitter, 3), pf(jOk), fmt(l.rawRmse, 4), fmt(l.smoothRmse, 4), pf(eOk)]);
  }
  return t;
}

export function printTable(t: readonly string[][]): void {
  const widths = t[0]!.map((_, i) => Math.max(...t.map((r) => r[i]!.length)));
  console.log(t.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n'));
}

export function verdictLine(verdicts: Record<string, boolean[]>): string {
  return (
    'targets: ' +
    Object.entries(verdicts)
      .filter(([, v]) => v.length > 0)
      .map(([k, v]) => `${k} ${v.filter(Boolean).length}/${v.length} ${v.every(Boolean) ? 'PASS' : 'FAIL'}`)
      .join(', ')
  );
}
