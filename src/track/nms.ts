import { iou } from './box-geometry.ts';
import type { Detection } from './detector.ts';
import type { Box, Landmarks } from './types.ts';

/**
 * Non-maximum suppression that averages instead of picking: each surviving face is the
 * score-weighted mean of the detections that overlap its best one by more than `averageIou`
 * (neighbouring grid cells and other pyramid levels seeing the same face). Their errors are
 * largely independent, so the mean halves YuNet's landmark noise, and a face no longer jumps
 * when another level's candidate wins by a hair. Overlaps above `suppressIou` are dropped.
 */
export function weightedNms(detections: Detection[], suppressIou: number, averageIou = 0.5): Detection[] {
  const pending = [...detections].sort((a, b) => b.score - a.score);
  const kept: Detection[] = [];
  while (pending.length > 0) {
    const top = pending[0]!;
    const group: Detection[] = [];
    for (let i = 0; i < pending.length; ) {
      const o = iou(top.box, pending[i]!.box);
      if (o > suppressIou) {
        if (o > averageIou || i === 0) group.push(pending[i]!);
        pending.splice(i, 1);
      } else i++;
    }
    kept.push(average(group, top.score));
  }
  return kept;
}

function average(group: Detection[], score: number): Detection {
  let total = 0;
  const box = [0, 0, 0, 0];
  const lm = new Array<number>(10).fill(0);
  for (const d of group) {
    total += d.score;
    d.box.forEach((v, i) => (box[i]! += v * d.score));
    d.landmarks.forEach((p, k) => {
      lm[2 * k]! += p[0] * d.score;
      lm[2 * k + 1]! += p[1] * d.score;
    });
  }
  const landmarks = [0, 1, 2, 3, 4].map((k) => [lm[2 * k]! / total, lm[2 * k + 1]! / total]) as Landmarks;
  return { box: box.map((v) => v / total) as Box, score, landmarks };
}
