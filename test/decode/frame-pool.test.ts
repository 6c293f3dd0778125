import { describe, expect, it } from 'vitest';
import { FramePool } from '../../src/decode/frame-pool.ts';

const SIZE = 64 * 1024;

describe('FramePool', () => {
  it('hands back the buffers given to it, of the size asked for', () => {
    const pool = new FramePool();
    const a = pool.take(SIZE);
    expect(a.byteLength).toBe(SIZE);
    pool.give(a);
    expect(pool.idle).toBe(1);
    expect(pool.take(SIZE)).toBe(a);
    expect(pool.idle).toBe(0);
  });

  it('drops idle buffers of another size (a new frame size) instead of returning them', () => {
    const pool = new FramePool();
    pool.give(pool.take(SIZE));
    const b = pool.take(SIZE * 2);
    expect(b.byteLength).toBe(SIZE * 2);
    expect(pool.idle).toBe(0);
  });

  it('keeps no views into other memory, no detached buffers, and at most `keep` idle ones', () => {
    const pool = new FramePool(2);
    const whole = Buffer.allocUnsafe(SIZE * 2);
    pool.give(whole.subarray(0, SIZE));
    pool.give(new Uint8Array(SIZE));
    const moved = pool.take(SIZE);
    structuredClone(moved.buffer, { transfer: [moved.buffer as ArrayBuffer] });
    pool.give(moved);
    expect(pool.idle).toBe(0);
    for (let i = 0; i < 3; i++) pool.give(Buffer.allocUnsafe(SIZE));
    expect(pool.idle).toBe(2);
  });
});
