import type { FarmProgress } from './job-data.ts';

export type StepLine =
  | { kind: 'progress'; progress: FarmProgress }
  /** `{"done":true,…}` or `{"skipped":true,…}`: the step's summary */
  | { kind: 'final'; skipped: boolean; summary: Record<string, unknown> }
  | { kind: 'text'; text: string };

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** Reads one line of `--progress json` output; anything that is not one of its objects is plain text. */
export function parseStepLine(line: string): StepLine {
  const text = line.trim();
  if (text.startsWith('{')) {
    try {
      const o: unknown = JSON.parse(text);
      if (o && typeof o === 'object' && !Array.isArray(o)) {
        const r = o as Record<string, unknown>;
        if (r.skipped === true) return { kind: 'final', skipped: true, summary: r };
        if (r.done === true) return { kind: 'final', skipped: false, summary: r };
        const frame = num(r.frame);
        if (frame !== null) return { kind: 'progress', progress: { frame, total: num(r.total), fps: num(r.fps), eta_s: num(r.eta_s), faces: num(r.faces) } };
      }
    } catch {
      // not JSON after all: keep it as text
    }
  }
  return { kind: 'text', text };
}

/** Splits a byte stream into lines, keeping a partial line until its end arrives. */
export function lineSplitter(onLine: (line: string) => void): { push(chunk: Buffer | string): void; end(): void } {
  let rest = '';
  return {
    push(chunk) {
      rest += chunk.toString();
      let nl: number;
      while ((nl = rest.indexOf('\n')) >= 0) {
        const line = rest.slice(0, nl);
        rest = rest.slice(nl + 1);
        if (line.trim()) onLine(line);
      }
    },
    end() {
      if (rest.trim()) onLine(rest);
      rest = '';
    },
  };
}
