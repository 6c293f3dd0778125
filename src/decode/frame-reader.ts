export interface ExactChunksOptions {
  /** Two buffers take turns instead of a fresh one per chunk (see decodeFrames' reuseBuffers). */
  reuse?: boolean;
  /** Where each chunk's buffer comes from when not reused (default: a fresh one). */
  alloc?: (size: number) => Buffer;
  /** Filled in at the end: bytes left over that did not make a whole chunk. */
  state?: { leftover: number };
}

/**
 * Cuts a byte stream into buffers of exactly `size` bytes, however the pipe happened to split it.
 * Pulls the source only as fast as the consumer pulls, so a slow consumer stalls the producer.
 */
export async function* exactChunks(source: AsyncIterable<Uint8Array>, size: number, options: ExactChunksOptions = {}): AsyncGenerator<Buffer, void, undefined> {
  if (!Number.isInteger(size) || size <= 0) throw new RangeError(`chunk size must be a positive integer, got ${size}`);
  const pool = options.reuse ? [Buffer.allocUnsafe(size), Buffer.allocUnsafe(size)] : null;
  let turn = 0;
  const alloc = options.alloc ?? ((n: number) => Buffer.allocUnsafe(n));
  const fresh = (): Buffer => (pool ? (pool[turn++ % pool.length] as Buffer) : alloc(size));
  let buf: Buffer | null = null;
  let filled = 0;
  for await (const chunk of source) {
    let offset = 0;
    while (offset < chunk.length) {
      buf ??= fresh();
      const n = Math.min(size - filled, chunk.length - offset);
      buf.set(chunk.subarray(offset, offset + n), filled);
      filled += n;
      offset += n;
      if (filled === size) {
        const full = buf;
        buf = null;
        filled = 0;
        yield full;
      }
    }
  }
  if (options.state) options.state.leftover = filled;
}
