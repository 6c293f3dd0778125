import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';

export interface RedisServer {
  url: string;
  port: number;
  stop(): Promise<void>;
}

const REDIS_SERVER = process.env.REDIS_SERVER ?? 'redis-server';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

function launch(port: number, dir: string): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    // No persistence: each test file gets an empty, throw-away server.
    const child = spawn(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--loglevel', 'warning'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const timer = setTimeout(() => fail(new Error(`redis-server did not start on port ${port} within 10 s:\n${output}`)), 10_000);
    const fail = (e: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(e);
    };
    child.on('error', (e) => fail(new Error(`cannot run ${REDIS_SERVER} (install the redis-server package; .ci/run does): ${e.message}`)));
    child.on('exit', (code) => fail(new Error(`redis-server exited with ${code}:\n${output}`)));
    // Poll with a TCP connect: redis-server's "ready" log line depends on its log level and version.
    const probe = async () => {
      const { connect } = await import('node:net');
      const sock = connect(port, '127.0.0.1');
      sock.once('connect', () => {
        sock.end();
        clearTimeout(timer);
        child.removeAllListeners('exit');
        resolve(child);
      });
      sock.once('error', () => setTimeout(probe, 50));
    };
    child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
    void probe();
  });
}

/** Starts a private, empty redis-server on a free port; `stop()` ends it and removes its folder. */
export async function startRedis(): Promise<RedisServer> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gpen-redis-'));
  let child: ChildProcess | null = null;
  let port = 0;
  let lastError: unknown;
  // The free port can be taken between the probe and redis binding it: try a few.
  for (let attempt = 0; attempt < 3 && !child; attempt++) {
    port = await freePort();
    child = await launch(port, dir).catch((e: unknown) => {
      lastError = e;
      return null;
    });
  }
  if (!child) {
    rmSync(dir, { recursive: true, force: true });
    throw lastError;
  }
  const server = child;
  const killNow = () => server.kill('SIGKILL');
  process.once('exit', killNow);
  const stop = async () => {
    process.off('exit', killNow);
    if (server.exitCode === null && server.signalCode === null) {
      const exited = new Promise((r) => server.once('exit', r));
      server.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  return { url: `redis://127.0.0.1:${port}`, port, stop };
}

/**
 * A redis-server for the calling test file: started before its tests, stopped after them. Call it
 * at the top level of the file (hooks registered inside other hooks never run).
 */
export function useRedis(): { readonly url: string } {
  let server: RedisServer | null = null;
  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(async () => {
    await server?.stop();
  });
  return {
    get url(): string {
      if (!server) throw new Error('useRedis: the server is not started yet (use it inside tests or hooks)');
      return server.url;
    },
  };
}
