import { describe, expect, it } from 'vitest';
import { PullAhead } from '../../src/pipeline/pull-ahead.ts';

/** A source of 0..n-1 that records what was pulled and whether it was closed, optionally failing at `failAt`. */
function source(n: number, failAt = -1) {
  const log = { pulled: 0, closed: false };
  async function* gen() {
    try {
      for (let i = 0; i < n; i++) {
        await new Promise((r) => setTimeout(r, 1));
        if (i === failAt) throw new Error(`bad item ${i}`);
        log.pulled++;
        yield i;
      }
    } finally {
      log.closed = true;
    }
  }
  return { it: gen(), log };
}

const settle = () => new Promise((r) => setTimeout(r, 60));

async function collect<T>(it: AsyncIterable<T>, stopAfter = Infinity): Promise<T[]> {
  const out: T[] = [];
  for await (const v of it) {
    out.push(v);
    if (out.length >= stopAfter) break;
  }
  return out;
}

describe('PullAhead', () => {
  it('pulls ahead until full before anyone iterates, then hands over everything in order', async () => {
    const s = source(20);
    const ahead = new PullAhead(s.it, (held) => held.length >= 5);
    await settle();
    expect(s.log.pulled).toBe(5);
    expect(ahead.heldCount).toBe(5);
    expect(await collect(ahead)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(s.log.closed).toBe(true);
  });

  it('stops pulling ahead once the consumer starts, so the consumer sets the pace', async () => {
    const s = source(100);
    const ahead = new PullAhead(s.it, () => false);
    await new Promise((r) => setTimeout(r, 10));
    const first = await collect(ahead, 3);
    const pulledWhenDone = s.log.pulled;
    await settle();
    expect(first).toEqual([0, 1, 2]);
    // nothing more is pulled after the consumer broke off, and breaking off closed the source
    expect(s.log.pulled).toBe(pulledWhenDone);
    expect(s.log.closed).toBe(true);
  });

  it('a short source ends within the pull-ahead', async () => {
    const s = source(3);
    const ahead = new PullAhead(s.it, (held) => held.length >= 10);
    await settle();
    expect(await collect(ahead)).toEqual([0, 1, 2]);
  });

  it('an error while pulling ahead reaches the consumer after the items before it', async () => {
    const s = source(10, 4);
    const ahead = new PullAhead(s.it, () => false);
    await settle();
    const got: number[] = [];
    await expect(
      (async () => {
        for await (const v of ahead) got.push(v);
      })(),
    ).rejects.toThrow('bad item 4');
    expect(got).toEqual([0, 1, 2, 3]);
  });

  it('an error after the hand-over reaches the consumer too', async () => {
    const s = source(10, 6);
    const ahead = new PullAhead(s.it, (held) => held.length >= 2);
    await settle();
    await expect(collect(ahead)).rejects.toThrow('bad item 6');
  });

  it('cancel stops pulling and closes the source (the decoder of a pipeline whose model failed to load)', async () => {
    const s = source(1000);
    const ahead = new PullAhead(s.it, () => false);
    await new Promise((r) => setTimeout(r, 15));
    await ahead.cancel();
    const pulled = s.log.pulled;
    await settle();
    expect(s.log.closed).toBe(true);
    expect(s.log.pulled).toBe(pulled);
    expect(pulled).toBeLessThan(1000);
    expect(ahead.heldCount).toBe(0);
  });
});
