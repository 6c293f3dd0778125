import { getPriority } from 'node:os';
import { describe, expect, it } from 'vitest';
import { lowerCallingThread } from '../../src/runtime/priority.ts';
import { spawnWorker } from '../../src/runtime/spawn-worker.ts';
import { newProcessNice } from '../helpers/nice.ts';

interface Report {
  before: number;
  after: number;
  lowered: { from: number; to: number } | null;
  child: number;
}

function lowerInWorker(by: number): Promise<Report> {
  const worker = spawnWorker(new URL('./lower-thread-worker.ts', import.meta.url), { by });
  return new Promise<Report>((resolve, reject) => {
    worker.once('message', (m: Report) => resolve(m));
    worker.once('error', reject);
  }).finally(() => worker.terminate());
}

describe.runIf(process.platform === 'linux')('lowerCallingThread', () => {
  it('lowers only the calling thread, and what it starts afterwards inherits the lower priority', async () => {
    const base = getPriority(0);
    const by = Math.min(4, 19 - base);
    const r = await lowerInWorker(by);
    expect(r.before).toBe(base);
    expect(r.lowered).toEqual({ from: base, to: base + by });
    expect(r.after).toBe(base + by);
    expect(r.child).toBe(base + by);
    // the main thread, and what it starts, keep their priority
    expect(getPriority(0)).toBe(base);
    expect(newProcessNice()).toBe(base);
  });

  it('stops at 19 and changes nothing for 0', async () => {
    const base = getPriority(0);
    expect(lowerCallingThread(0)).toBeNull();
    expect(getPriority(0)).toBe(base);
    const r = await lowerInWorker(40);
    expect(r.after).toBe(19);
    expect(r.child).toBe(19);
  });
});
