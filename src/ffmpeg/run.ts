import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { EXIT, GpenError } from '../errors.ts';
import { binaryPath, type BinaryName } from './binaries.ts';
import { processFailure, spawnFailure, type ExitInfo } from './process-errors.ts';
import { StderrRing } from './stderr-ring.ts';
import { writeChunk } from './stdin-writer.ts';

/** SIGTERM first so ffmpeg can close its output; SIGKILL if it has not gone after this long. */
export const DEFAULT_KILL_GRACE_MS = 2000;
const MAX_PROBE_STDOUT = 64 * 1024 * 1024;

export interface RunOptions {
  signal?: AbortSignal;
  stdin?: 'pipe' | 'ignore';
  stdout?: 'pipe' | 'ignore';
  /** What the process is doing, for error messages: "decoding /videos/in.mp4". */
  task?: string;
  /** What the user can do about a failure; appended to the error message. */
  hint?: string;
  /** Sees each stderr line; return false to keep it out of the tail (per-frame logs). */
  onStderrLine?: (line: string) => boolean | void;
  killGraceMs?: number;
  /** Runs this file instead of the resolved binary (test helpers that must bypass setBinaries). */
  binary?: string;
}

export interface FfmpegHandle {
  readonly pid: number | undefined;
  readonly stdin: Writable | null;
  readonly stdout: Readable | null;
  readonly stderr: StderrRing;
  /**
   * Settles once the process has exited and its pipes are closed: resolves on exit 0 or after stop(),
   * rejects with the signal's reason on abort, otherwise with a GpenError quoting the stderr tail.
   */
  readonly done: Promise<void>;
  /** How the process ended; null while it runs, and for one that could not be started. */
  exit(): ExitInfo | null;
  /** Writes to stdin and waits for 'drain' when the pipe is full; rejects if the process is gone. */
  write(chunk: Uint8Array): Promise<void>;
  /** Closes stdin (end of input). */
  end(): void;
  /** Deliberate early stop: kills the process; `done` then resolves. Resolves once it has exited. */
  stop(): Promise<void>;
}

export type { ExitInfo };

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Pids of the ffmpeg/ffprobe processes this module started that have not exited yet. */
export function liveProcessIds(): number[] {
  return [...live].flatMap((c) => (c.pid === undefined ? [] : [c.pid]));
}

/** Starts ffmpeg with an argument array (no shell). The one place in the project that spawns it. */
export function runFfmpeg(args: readonly string[], options: RunOptions = {}): FfmpegHandle {
  return start('ffmpeg', args, options);
}

export interface ProcessResult {
  stdout: string;
  /** Every stderr line kept (bounded), oldest first. */
  stderr: readonly string[];
  exit: ExitInfo;
}

/** Runs ffprobe to completion and hands back its output whatever the exit status (callers classify failures). */
export async function execFfprobe(args: readonly string[], options: Pick<RunOptions, 'signal' | 'binary' | 'task'> = {}): Promise<ProcessResult> {
  const handle = start('ffprobe', args, { ...options, stdout: 'pipe', stderrLines: 200 });
  const chunks: Buffer[] = [];
  let size = 0;
  handle.stdout?.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > MAX_PROBE_STDOUT) void handle.stop();
    else chunks.push(chunk);
  });
  try {
    await handle.done;
  } catch (e) {
    // Non-zero exits are the caller's to judge; spawn failures and aborts are not.
    if (handle.exit() === null || options.signal?.aborted) throw e;
  }
  if (size > MAX_PROBE_STDOUT) throw new GpenError('E_FFPROBE_OUTPUT', `ffprobe printed more than ${MAX_PROBE_STDOUT} bytes${options.task ? ` while ${options.task}` : ''}`, { exitCode: EXIT.internal });
  const exit = handle.exit() ?? { code: null, signal: null };
  return { stdout: Buffer.concat(chunks).toString('utf8'), stderr: handle.stderr.all(), exit };
}

/** Runs ffprobe and returns its stdout; a non-zero exit rejects with a GpenError quoting stderr. */
export async function runFfprobe(args: readonly string[], options: Pick<RunOptions, 'signal' | 'binary' | 'task' | 'hint'> = {}): Promise<string> {
  const result = await execFfprobe(args, options);
  if (result.exit.code !== 0) {
    const ring = new StderrRing();
    for (const line of result.stderr) ring.push(`${line}\n`);
    throw processFailure('ffprobe', options.task, result.exit, ring.tail(), options.hint);
  }
  return result.stdout;
}

function start(name: BinaryName, args: readonly string[], options: RunOptions & { stderrLines?: number }): FfmpegHandle {
  const { signal } = options;
  signal?.throwIfAborted();
  const file = options.binary ?? binaryPath(name);
  const grace = options.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
  const stderr = new StderrRing({ maxLines: options.stderrLines ?? 64, onLine: options.onStderrLine });
  const child = spawn(file, [...args], { stdio: [options.stdin ?? 'ignore', options.stdout ?? 'ignore', 'pipe'] });
  installExitHook();
  live.add(child);

  let exitInfo: ExitInfo | null = null;
  let stopped = false;
  let aborted = false;
  let spawnError: NodeJS.ErrnoException | null = null;
  let killTimer: NodeJS.Timeout | undefined;

  // Consumed continuously so ffmpeg never blocks on a full stderr pipe.
  child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
  // EPIPE when ffmpeg dies mid-write: reported through write()/done, must not crash the process.
  child.stdin?.on('error', () => {});
  child.stdout?.on('error', () => {});

  const kill = (): void => {
    if (exitInfo !== null || spawnError !== null) return;
    // Closing our ends first: ffmpeg blocked writing to a full pipe gets EPIPE instead of waiting out the grace.
    child.stdout?.destroy();
    child.stdin?.destroy();
    child.kill('SIGTERM');
    killTimer ??= setTimeout(() => child.kill('SIGKILL'), grace);
  };
  const onAbort = (): void => {
    aborted = true;
    kill();
  };
  signal?.addEventListener('abort', onAbort, { once: true });

  const done = new Promise<void>((resolve, reject) => {
    child.on('error', (err: NodeJS.ErrnoException) => {
      // Only a failed start (ENOENT, EACCES) matters here; 'close' follows it with the errno as its code.
      if (child.pid !== undefined) return;
      spawnError = err;
    });
    child.once('close', (code, sig) => {
      // A process that never started has no exit status (Node reports the errno as the code).
      if (!spawnError) exitInfo = { code, signal: sig };
      if (killTimer) clearTimeout(killTimer);
      signal?.removeEventListener('abort', onAbort);
      live.delete(child);
      stderr.end();
      if (spawnError) reject(spawnFailure(name, file, spawnError));
      else if (aborted && signal) reject(signal.reason);
      else if (stopped || code === 0) resolve();
      else reject(processFailure(name, options.task, { code, signal: sig }, stderr.tail(), options.hint));
    });
  });
  // Marks the rejection handled; callers awaiting `done` still see it.
  done.catch(() => {});

  const settled = (): Promise<void> => done.then(
    () => {},
    () => {},
  );

  return {
    pid: child.pid,
    stdin: child.stdin,
    stdout: child.stdout,
    stderr,
    done,
    exit: () => exitInfo,
    write: (chunk) => writeChunk(name, child, chunk, done, () => exitInfo !== null || spawnError !== null),
    end: () => {
      child.stdin?.end();
    },
    stop: () => {
      stopped = true;
      kill();
      return settled();
    },
  };
}

/** A crash or process.exit() must not leave ffmpeg running on its own. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}
