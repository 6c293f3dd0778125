import { StringDecoder } from 'node:string_decoder';

/** ffmpeg's `-loglevel level+…` prefix, e.g. "[error]" or "[h264 @ 0x55…] [error]". */
const LEVEL = /\[(panic|fatal|error|warning|info|verbose|debug|trace)\]/;
const QUIET_LEVELS = new Set(['info', 'verbose', 'debug', 'trace']);

export interface StderrRingOptions {
  /** Lines kept (oldest dropped first). */
  maxLines?: number;
  /** Longer lines are cut: a binary blob on stderr must not blow the memory bound. */
  maxLineLength?: number;
  /** Sees every complete line; returning false keeps the line out of the ring (e.g. per-frame logs). */
  onLine?: (line: string) => boolean | void;
}

/**
 * Keeps the last lines of a child's stderr in bounded memory.
 * Fed raw chunks; splits on \n and \r (ffmpeg's progress line uses \r).
 */
export class StderrRing {
  private readonly lines: string[] = [];
  private partial = '';
  private readonly decoder = new StringDecoder('utf8');
  private readonly maxLines: number;
  private readonly maxLineLength: number;
  private readonly onLine: ((line: string) => boolean | void) | undefined;

  constructor(options: StderrRingOptions = {}) {
    this.maxLines = options.maxLines ?? 64;
    this.maxLineLength = options.maxLineLength ?? 1000;
    this.onLine = options.onLine;
  }

  push(chunk: Buffer | string): void {
    const text = this.partial + (typeof chunk === 'string' ? chunk : this.decoder.write(chunk));
    const parts = text.split(/\r\n|\r|\n/);
    const last = parts.pop() ?? '';
    for (const line of parts) this.accept(line);
    // An unterminated run longer than a line is flushed as a line, so `partial` stays bounded.
    if (last.length > this.maxLineLength) {
      this.accept(last);
      this.partial = '';
    } else {
      this.partial = last;
    }
  }

  /** Flushes the unterminated last line (call when the stream ends). */
  end(): void {
    this.partial += this.decoder.end();
    if (this.partial !== '') this.accept(this.partial);
    this.partial = '';
  }

  all(): readonly string[] {
    return this.lines;
  }

  /**
   * The last `n` meaningful lines: blank lines never count, and where ffmpeg tagged levels,
   * info/verbose/debug chatter gives way to warnings and errors (unless there are none).
   */
  tail(n = 5): string[] {
    const nonBlank = this.lines.filter((l) => l.trim() !== '');
    const loud = nonBlank.filter((l) => !QUIET_LEVELS.has(lineLevel(l) ?? ''));
    return (loud.length > 0 ? loud : nonBlank).slice(-n);
  }

  private accept(raw: string): void {
    const line = raw.length > this.maxLineLength ? `${raw.slice(0, this.maxLineLength)}…` : raw;
    if (this.onLine?.(line) === false) return;
    this.lines.push(line);
    if (this.lines.length > this.maxLines) this.lines.shift();
  }
}

/** The level ffmpeg tagged a line with, or undefined where it was run without `level+`. */
export function lineLevel(line: string): string | undefined {
  return LEVEL.exec(line)?.[1];
}

export function isErrorLine(line: string): boolean {
  const level = lineLevel(line);
  return level === 'error' || level === 'fatal' || level === 'panic';
}
