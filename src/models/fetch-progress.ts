import cliProgress from 'cli-progress';
import type { FetchProgress, FetchResult } from './fetch.ts';

/** Renders model downloads: a bar per file on a terminal, a line per 10% in logs and pipes. */
export interface ProgressReporter {
  begin(name: string, file: string): void;
  update(name: string, p: FetchProgress): void;
  end(name: string, result: FetchResult): void;
  fail(name: string, err: unknown): void;
  /** Releases the terminal (cursor, render timer); call once, after the last file. */
  stop(): void;
}

export interface ProgressReporterOptions {
  stream?: NodeJS.WritableStream & { isTTY?: boolean };
  /** Defaults to the stream's isTTY. */
  tty?: boolean;
}

export function createProgressReporter(opts: ProgressReporterOptions = {}): ProgressReporter {
  const stream = opts.stream ?? process.stderr;
  const tty = opts.tty ?? stream.isTTY === true;
  return tty ? barReporter(stream) : lineReporter(stream);
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}

function outcome(r: FetchResult): string {
  const size = formatBytes(r.bytes);
  if (r.status === 'already-present') return `already installed (${size}${r.verified ? ', sha256 ok' : ''})`;
  const check = r.verified ? 'sha256 ok' : `no published checksum; sha256 ${r.sha256}`;
  return `done, ${size}, ${check}`;
}

function failure(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

// Without a known size, a log line every this many bytes stands in for the 10% steps.
const UNKNOWN_TOTAL_STEP = 32 * 1024 * 1024;

function lineReporter(stream: NodeJS.WritableStream): ProgressReporter {
  const state = new Map<string, { step: number; resumedFrom: number | null }>();
  const say = (line: string) => void stream.write(`${line}\n`);
  return {
    begin(name, file) {
      state.set(name, { step: -1, resumedFrom: null });
      say(`${name}: fetching ${file}`);
    },
    update(name, p) {
      const s = state.get(name) ?? { step: -1, resumedFrom: null };
      state.set(name, s);
      if (s.resumedFrom !== p.resumedFrom) {
        // A new attempt: announce where it starts, and let the step counter catch up silently.
        s.resumedFrom = p.resumedFrom;
        if (p.resumedFrom > 0) say(`${name}: resuming at ${formatBytes(p.resumedFrom)}`);
        s.step = stepOf(p);
        return;
      }
      const step = stepOf(p);
      if (step <= s.step) return;
      s.step = step;
      say(
        p.total !== null && p.total > 0
          ? `${name}: ${step * 10}% (${formatBytes(p.received)} of ${formatBytes(p.total)})`
          : `${name}: ${formatBytes(p.received)}`,
      );
    },
    end(name, r) {
      say(`${name}: ${outcome(r)}`);
    },
    fail(name, err) {
      say(`${name}: failed: ${failure(err)}`);
    },
    stop() {},
  };
}

function stepOf(p: FetchProgress): number {
  if (p.total !== null && p.total > 0) return Math.min(10, Math.floor((p.received / p.total) * 10));
  return Math.floor(p.received / UNKNOWN_TOTAL_STEP);
}

interface BarPayload {
  name: string;
  received: number;
  total: number | null;
  note: string;
}

function renderBar(_o: unknown, _params: unknown, payload: BarPayload): string {
  const width = 30;
  if (payload.note !== '') return `${payload.name.padEnd(20)} ${payload.note}`;
  if (payload.total === null || payload.total <= 0) {
    return `${payload.name.padEnd(20)} ${'·'.repeat(width)} ${formatBytes(payload.received)}`;
  }
  const f = Math.min(1, payload.received / payload.total);
  const filled = Math.round(f * width);
  const pct = `${Math.floor(f * 100)}%`.padStart(4);
  return `${payload.name.padEnd(20)} ${'█'.repeat(filled)}${'░'.repeat(width - filled)} ${pct} ${formatBytes(payload.received)} / ${formatBytes(payload.total)}`;
}

function barReporter(stream: NodeJS.WritableStream): ProgressReporter {
  const multi = new cliProgress.MultiBar({
    stream,
    format: renderBar as cliProgress.GenericFormatter,
    hideCursor: true,
    clearOnComplete: false,
    stopOnComplete: false,
  });
  const bars = new Map<string, { bar: cliProgress.SingleBar; payload: BarPayload }>();
  const get = (name: string) => {
    let b = bars.get(name);
    if (!b) {
      const payload: BarPayload = { name, received: 0, total: null, note: '' };
      b = { bar: multi.create(1, 0, payload), payload };
      bars.set(name, b);
    }
    return b;
  };
  return {
    begin(name) {
      get(name);
    },
    update(name, p) {
      const b = get(name);
      b.payload.received = p.received;
      b.payload.total = p.total;
      b.bar.update(p.total !== null && p.total > 0 ? p.received / p.total : 0, b.payload);
    },
    end(name, r) {
      const b = get(name);
      b.payload.note = outcome(r);
      b.bar.update(1, b.payload);
    },
    fail(name, err) {
      const b = get(name);
      // The full message is the caller's to print; a wrapped paragraph would garble the bars.
      const code = err instanceof Error && 'code' in err ? ` (${String(err.code)})` : '';
      b.payload.note = `failed${code}`;
      b.bar.update(b.payload);
    },
    stop() {
      multi.stop();
    },
  };
}
