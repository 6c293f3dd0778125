/**
 * Frame buffers handed back once nothing reads them, for the next frames to be decoded into.
 *
 * A fresh buffer per frame costs more than its allocation: every frame's pages are faulted in
 * again, and V8 counts the memory of ArrayBuffers that outlive a few young-generation collections
 * (a frame held through the tracker's look-ahead does) toward its old generation's limit, so a
 * frame-sized allocation per frame starts a full mark-compact every few frames of an otherwise
 * small heap. A pool keeps the same few dozen buffers for the whole video.
 */
export class FramePool {
  private readonly free: Buffer[] = [];

  /** `keep`: at most this many idle buffers are kept (more in flight are simply collected). */
  constructor(private readonly keep = 64) {}

  /** A buffer of `size` bytes with stale contents (the caller overwrites all of it). */
  take(size: number): Buffer {
    for (let b = this.free.pop(); b; b = this.free.pop()) if (b.byteLength === size) return b;
    return Buffer.allocUnsafe(size);
  }

  /**
   * Hands a frame's pixels back; the caller must not read or write them afterwards. Only a buffer
   * that owns its whole memory is kept: a view into someone else's, or one detached by a transfer
   * to a worker thread, is left alone.
   */
  give(data: Uint8Array): void {
    if (this.free.length >= this.keep || !Buffer.isBuffer(data) || data.byteLength === 0) return;
    if (data.byteOffset !== 0 || data.buffer.byteLength !== data.byteLength) return;
    this.free.push(data);
  }

  get idle(): number {
    return this.free.length;
  }
}
