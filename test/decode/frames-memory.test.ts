import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { decodeFrames } from '../../src/decode/frames.ts';
import { probeMedia } from '../../src/decode/probe.ts';
import { liveProcessIds } from '../../src/ffmpeg/run.ts';
import { makeClip } from '../helpers/clips.ts';

const MB = 1024 * 1024;

describe('decodeFrames memory', () => {
  it('stays flat over 300 frames of 640x360, also while the consumer stalls', async () => {
    const file = await makeClip({ width: 640, height: 360, fps: 30, duration: 10, audio: 0 });
    const info = await probeMedia(file);
    expect(info.video.frameCount).toBe(300);
    const total = 300 * 640 * 360 * 3; // ~207 MB if it were all held at once

    const before = new Set(liveProcessIds());
    const iterator = decodeFrames(file, info, { pixelFormat: 'rgb24' })[Symbol.asyncIterator]();
    const first = await iterator.next();
    expect(first.value?.index).toBe(0);
    const pid = liveProcessIds().find((p) => !before.has(p));
    const base = process.memoryUsage().rss;

    // A stalled consumer: ffmpeg must block on the pipe, not pour the video into our memory.
    await sleep(1500);
    expect(process.memoryUsage().rss - base).toBeLessThan(total / 3);
    expect(pid !== undefined && liveProcessIds().includes(pid)).toBe(true);

    let peak = 0;
    let count = 1;
    for (let r = await iterator.next(); !r.done; r = await iterator.next()) {
      count++;
      if (count % 10 === 0) peak = Math.max(peak, process.memoryUsage().rss - base);
    }
    expect(count).toBe(300);
    // Generous: garbage collection decides when dropped frames go; holding them all would be ~207 MB.
    expect(peak).toBeLessThan(total * 0.75);
  });
});
