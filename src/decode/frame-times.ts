import { setImmediate as nextTurn } from 'node:timers/promises';

/**
 * Frame times arrive on stderr (showinfo) while the pixels arrive on stdout; the two pipes are read
 * independently, so a frame can be complete before its time has been read. ffmpeg logs a frame before
 * writing it, so the line is already in the stderr pipe by then: a few event-loop turns bring it in.
 * Keyed by showinfo's frame number so one late line cannot shift every later frame's time.
 * Stays small: ffmpeg cannot run ahead of a full stdout pipe.
 */
export class FrameTimes {
  private readonly times = new Map<number, number | null>();
  private closed = false;
  private nextWanted = 0;
  private waiters: (() => void)[] = [];

  /** showinfo's `n` (0 for the first frame it saw) and that frame's time in seconds. */
  push(n: number, seconds: number | null): void {
    if (n < this.nextWanted) return;
    this.times.set(n, seconds);
    this.wake();
  }

  /** No more times will come (stderr ended). */
  close(): void {
    this.closed = true;
    this.wake();
  }

  /**
   * The time of frame `n`, or null where it did not come within `turns` event-loop turns
   * (an ffmpeg whose showinfo we cannot read must not stall decoding: the caller estimates instead).
   */
  async take(n: number, turns = 5): Promise<number | null> {
    for (let turn = 0; !this.times.has(n) && !this.closed && turn < turns; turn++) {
      const arrived = new Promise<void>((resolve) => this.waiters.push(resolve));
      await Promise.race([arrived, nextTurn()]);
    }
    const seconds = this.times.get(n) ?? null;
    this.nextWanted = n + 1;
    for (const key of this.times.keys()) if (key <= n) this.times.delete(key);
    return seconds;
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}
