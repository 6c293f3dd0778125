import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { exactChunks } from '../../src/decode/frame-reader.ts';

async function* pieces(data: Buffer, sizes: number[]): AsyncGenerator<Buffer> {
  let off = 0;
  for (let i = 0; off < data.length; i++) {
    const n = sizes[i % sizes.length] as number;
    yield data.subarray(off, off + n);
    off += n;
  }
}

describe('exactChunks', () => {
  const data = Buffer.from(Array.from({ length: 100 }, (_, i) => i));

  it('reassembles chunks split anywhere into exact sizes', async () => {
    for (const sizes of [[1], [7], [10], [33], [100], [3, 17, 1, 29]]) {
      const state = { leftover: -1 };
      const out: Buffer[] = [];
      for await (const c of exactChunks(pieces(data, sizes), 10, { state })) out.push(Buffer.from(c));
      expect(out).toHaveLength(10);
      expect(Buffer.concat(out)).toEqual(data);
      expect(state.leftover).toBe(0);
    }
  });

  it('reports bytes that do not make a whole chunk', async () => {
    const state = { leftover: 0 };
    const out: Buffer[] = [];
    for await (const c of exactChunks(pieces(data.subarray(0, 25), [4]), 10, { state })) out.push(c);
    expect(out).toHaveLength(2);
    expect(state.leftover).toBe(5);
  });

  it('gives each chunk its own buffer, unless asked to reuse two in turn', async () => {
    const own: Buffer[] = [];
    for await (const c of exactChunks(pieces(data, [10]), 10)) own.push(c);
    expect(own.map((b) => b[0])).toEqual([0, 10, 20, 30, 40, 50, 60, 70, 80, 90]); // still intact after later chunks
    const reused: Buffer[] = [];
    for await (const c of exactChunks(pieces(data, [10]), 10, { reuse: true })) {
      expect(c[0]).toBe(reused.length * 10); // valid while it is the current chunk
      reused.push(c);
    }
    expect(new Set(reused).size).toBe(2);
  });

  it('pulls the source only as far as the consumer pulls', async () => {
    let pulled = 0;
    const source = Readable.from(
      (function* () {
        for (let i = 0; i < 1000; i++) {
          pulled++;
          yield Buffer.alloc(10, i % 256);
        }
      })(),
      { highWaterMark: 1, objectMode: true },
    );
    const it = exactChunks(source, 20)[Symbol.asyncIterator]();
    await it.next();
    await new Promise((r) => setTimeout(r, 20));
    expect(pulled).toBeLessThan(10);
    await it.return?.();
  });

  it('refuses a nonsense size', async () => {
    await expect(exactChunks(pieces(data, [1]), 0).next()).rejects.toThrow(RangeError);
  });
});
