import { describe, expect, it } from 'vitest';
import { FrameTimes } from '../../src/decode/frame-times.ts';

describe('FrameTimes', () => {
  it('hands out times already pushed', async () => {
    const t = new FrameTimes();
    t.push(0, 0);
    t.push(1, 0.1);
    expect(await t.take(0)).toBe(0);
    expect(await t.take(1)).toBe(0.1);
  });

  it('waits for a time that arrives a little later', async () => {
    const t = new FrameTimes();
    const pending = t.take(0);
    setImmediate(() => t.push(0, 1.5));
    expect(await pending).toBe(1.5);
  });

  it('gives null when the time never comes, without shifting later frames', async () => {
    const t = new FrameTimes();
    expect(await t.take(0, 2)).toBeNull();
    t.push(0, 9); // too late for frame 0: dropped
    t.push(1, 0.1);
    expect(await t.take(1)).toBe(0.1);
  });

  it('gives null at once after close', async () => {
    const t = new FrameTimes();
    t.close();
    expect(await t.take(0, 1_000_000)).toBeNull();
  });
});
