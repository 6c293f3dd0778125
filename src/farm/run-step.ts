import { spawn, type ChildProcess } from 'node:child_process';
import type { FarmProgress } from './job-data.ts';
import { lineSplitter, parseStepLine } from './progress-lines.ts';
import type { StepCommand } from './step-command.ts';

export interface StepRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** the `done`/`skipped` line, when the step printed one */
  final: { skipped: boolean; summary: Record<string, unknown> } | null;
  /** the CLI's one-line error (its last `gpen-video: …` line), else the end of stderr */
  lastError: string;
  /** the process could not be started at all */
  spawnError: Error | null;
}

export interface StepHooks {
  /** aborting stops the process: SIGTERM (it removes its temporary files), SIGKILL after `killGraceMs` */
  signal?: AbortSignal;
  killGraceMs?: number;
  onProgress?: (p: FarmProgress) => void;
  onText?: (line: string, stream: 'stdout' | 'stderr') => void;
}

const running = new Set<ChildProcess>();

/** Runs one render/assemble process to its end, reading its JSON progress from stdout and stderr. */
export function runStep(cmd: StepCommand, hooks: StepHooks = {}): Promise<StepRun> {
  return new Promise((resolve) => {
    const result: StepRun = { code: null, signal: null, final: null, lastError: '', spawnError: null };
    const child = spawn(cmd.command, cmd.args, { stdio: ['ignore', 'pipe', 'pipe'] });
    running.add(child);
    let killTimer: NodeJS.Timeout | undefined;
    const tail: string[] = [];
    let cliError = '';
    const stop = () => {
      child.kill('SIGTERM');
      killTimer = setTimeout(() => child.kill('SIGKILL'), hooks.killGraceMs ?? 10_000);
      killTimer.unref();
    };
    if (hooks.signal?.aborted) stop();
    else hooks.signal?.addEventListener('abort', stop, { once: true });

    const reader = (stream: 'stdout' | 'stderr') =>
      lineSplitter((line) => {
        const parsed = parseStepLine(line);
        if (parsed.kind === 'progress') hooks.onProgress?.(parsed.progress);
        else if (parsed.kind === 'final') result.final = { skipped: parsed.skipped, summary: parsed.summary };
        else {
          if (stream === 'stderr') {
            tail.push(parsed.text);
            if (tail.length > 3) tail.shift();
            if (parsed.text.startsWith('gpen-video:')) cliError = parsed.text.slice('gpen-video:'.length).trim();
          }
          hooks.onText?.(parsed.text, stream);
        }
      });
    const out = reader('stdout');
    const err = reader('stderr');
    child.stdout!.on('data', (c: Buffer) => out.push(c));
    child.stderr!.on('data', (c: Buffer) => err.push(c));
    child.on('error', (e) => {
      result.spawnError = e;
    });
    // 'close' (not 'exit'): every line the process wrote has been read by then.
    child.on('close', (code, signal) => {
      out.end();
      err.end();
      clearTimeout(killTimer);
      hooks.signal?.removeEventListener('abort', stop);
      running.delete(child);
      // A crash prints a stack whose last line is only the Node version: keep a few lines then.
      result.lastError = cliError || tail.join(' | ');
      result.code = code;
      result.signal = signal;
      resolve(result);
    });
  });
}

/** Stops every step this process started (the worker that owns them is gone). */
export function killAllSteps(signal: NodeJS.Signals = 'SIGTERM'): void {
  for (const child of running) child.kill(signal);
}
