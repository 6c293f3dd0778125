/**
 * Pulls items from `source` ahead of its consumer, from the moment it is made until the consumer
 * starts iterating or `full` says the items held are enough; then hands over the held items and
 * passes the rest straight through. The pipeline wraps its tracked frames in it while the model
 * loads, so decoding and detecting the tracker's look-ahead overlap the load instead of following it.
 *
 * Memory is bounded by `full`. An error from the source while pulling ahead reaches the consumer
 * after the items before it, as it would have without this. cancel() (for a consumer that never
 * comes, e.g. the model failed to load) stops pulling and closes the source, which ends its work
 * (the decoder's ffmpeg among it).
 */
export class PullAhead<T> implements AsyncIterable<T> {
  private readonly it: AsyncIterator<T>;
  private readonly held: T[] = [];
  private ended = false;
  private failure: { error: unknown } | null = null;
  private stopped = false;
  private readonly filling: Promise<void>;

  constructor(source: AsyncIterable<T>, private readonly full: (held: readonly T[]) => boolean) {
    this.it = source[Symbol.asyncIterator]();
    this.filling = this.fill();
  }

  /** items held so far (for tests and logs) */
  get heldCount(): number {
    return this.held.length;
  }

  private async fill(): Promise<void> {
    try {
      while (!this.stopped && !this.full(this.held)) {
        const r = await this.it.next();
        if (r.done) {
          this.ended = true;
          return;
        }
        this.held.push(r.value);
      }
    } catch (error) {
      this.failure = { error };
    }
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<T> {
    this.stopped = true;
    // at most the one pull in flight to wait for
    await this.filling;
    let completed = false;
    try {
      while (this.held.length > 0) yield this.held.shift()!;
      if (this.failure) throw this.failure.error;
      if (!this.ended) {
        for (;;) {
          const r = await this.it.next();
          if (r.done) break;
          yield r.value;
        }
      }
      completed = true;
    } finally {
      // a consumer that stops early (or an error) closes the source, as for-await would
      if (!completed && !this.failure) await this.it.return?.();
    }
  }

  /** Stops pulling, drops what is held, and closes the source. */
  async cancel(): Promise<void> {
    this.stopped = true;
    await this.filling;
    this.held.length = 0;
    if (!this.ended && !this.failure) await this.it.return?.();
  }
}
