import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll } from 'vitest';
import { projectRoot } from '../helpers/shared.ts';

export const FAKE_CLI = path.join(projectRoot, 'test', 'farm', 'fixtures', 'fake-cli.mjs');
const BIN = path.join(projectRoot, 'bin', 'gpen-video.js');

export interface FarmWorker {
  name: string;
  child: ChildProcess;
  /** everything it printed so far */
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILL the worker with its sandbox children and their renders: a machine lost mid-chunk */
  killMachine(): void;
}

const started: FarmWorker[] = [];
afterAll(() => {
  for (const w of started) if (w.child.exitCode === null && w.child.signalCode === null) w.killMachine();
});

/**
 * A real `gpen-video farm worker` process, in its own process group so a test can kill the
 * worker together with everything it started. Short lock and stall intervals let another worker
 * take over a killed worker's chunk within seconds.
 */
export function startWorker(redis: string, name: string, env: NodeJS.ProcessEnv = {}, extra: string[] = []): FarmWorker {
  const child = spawn(process.execPath, [BIN, 'farm', 'worker', '--redis', redis, '--name', name, '--lock-duration', '2000', '--stalled-interval', '500', ...extra], {
    cwd: projectRoot,
    env: { ...process.env, FAKE_WORKER: name, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const w: FarmWorker = {
    name,
    child,
    output: () => out,
    exited,
    killMachine: () => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    },
  };
  started.push(w);
  return w;
}

/** The fake CLI as the farm's step command, recording into `dir`. */
export function fakeCliEnv(dir: string): NodeJS.ProcessEnv {
  chmodSync(FAKE_CLI, 0o755); // a checkout may lose the executable bit
  return { GPEN_VIDEO_FARM_CLI: FAKE_CLI, FAKE_FARM_DIR: dir };
}

export interface FakeEvent {
  ev: 'start' | 'frame' | 'wrote' | 'skip' | 'exit' | 'interrupted' | 'assembled';
  key: string;
  run?: number;
  chunk?: number | null;
  frame?: number;
  code?: number;
  args?: string[];
  pid: number;
  /** the sandboxed processor that ran it */
  ppid: number;
  worker: string | null;
  at: number;
}

export function fakeEvents(dir: string): FakeEvent[] {
  const file = path.join(dir, 'events.log');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as FakeEvent);
}

export async function waitFor<T>(what: string, probe: () => T | null | undefined | false | Promise<T | null | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Runs a `gpen-video farm …` command to its end. */
export function farmCli(args: string[], env: NodeJS.ProcessEnv = {}): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, 'farm', ...args], { cwd: projectRoot, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The process has exited: gone, or a zombie that no parent has reaped yet (PID 1 in a container may never do it). */
export function exited(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').startsWith('Z');
  } catch {
    return true;
  }
}
