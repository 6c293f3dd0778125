import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadFarmManifest } from '../../src/farm/farm-manifest.ts';
import { farmStatus, type FarmStatus } from '../../src/farm/status.ts';
import { useRedis } from '../helpers/redis.ts';
import { tempDir } from '../helpers/tmp.ts';
import { writeFakeJob } from './fake-job.ts';
import { exited, fakeCliEnv, fakeEvents, farmCli, startWorker, waitFor, type FakeEvent } from './farm-workers.ts';

/*
 * Workers that die or are stopped in the middle of a chunk, with real redis-server and worker
 * processes (lock 2 s, stalled check every 0.5 s) and the fake CLI as render/assemble.
 */
const redis = useRedis();
const root = tempDir('gpen-farm-stall-');

async function setUp(name: string, chunks: number): Promise<{ dir: string; job: { file: string; id: string }; env: NodeJS.ProcessEnv; status: () => Promise<FarmStatus> }> {
  const dir = path.join(root, name);
  mkdirSync(dir);
  // chunk 1 is slow on its first run (8 × 400 ms), so a test can stop its worker in the middle
  writeFileSync(path.join(dir, 'plan.json'), JSON.stringify({ render: { '1': ['slow'] }, frames: 8, delayMs: 20, slowDelayMs: 400 }));
  const job = await writeFakeJob(dir, name, chunks);
  const sub = farmCli(['submit', job.file, '--redis', redis.url, '--queue', name, '--backoff', '200']);
  expect(sub.code, sub.stderr).toBe(0);
  const manifest = await loadFarmManifest(job.file);
  return { dir, job, env: fakeCliEnv(dir), status: () => farmStatus(manifest, { redis: redis.url, queue: name }) };
}

/** The first run of chunk 1, once it has rendered two frames. */
function slowRunUnderway(dir: string): FakeEvent | null {
  const events = fakeEvents(dir);
  const start = events.find((e) => e.ev === 'start' && e.key === 'render-1' && e.run === 0);
  return start && events.some((e) => e.ev === 'frame' && e.pid === start.pid && (e.frame ?? 0) >= 2) ? start : null;
}

function expectEachChunkWrittenOnce(events: FakeEvent[], chunks: number): void {
  for (let k = 0; k < chunks; k++) expect(events.filter((e) => e.ev === 'wrote' && e.key === `render-${k}`), `chunk ${k}`).toHaveLength(1);
  expect(events.filter((e) => e.ev === 'start' && e.key === 'assemble')).toHaveLength(1);
  const lastWrite = Math.max(...events.filter((e) => e.ev === 'wrote').map((e) => e.at));
  expect(events.find((e) => e.ev === 'assembled')!.at).toBeGreaterThan(lastWrite);
}

describe('farm worker failures', () => {
  it('hands the chunk of a machine killed mid-render to the other worker, which finishes the job', async () => {
    const { dir, env, status } = await setUp('killed', 4);
    const workers = [startWorker(redis.url, 'a', env, ['--queue', 'killed']), startWorker(redis.url, 'b', env, ['--queue', 'killed'])];
    const slow = await waitFor('chunk 1 under way', () => slowRunUnderway(dir));
    const victim = workers.find((w) => w.name === slow.worker)!;
    const survivor = workers.find((w) => w !== victim)!;
    victim.killMachine();
    expect((await victim.exited).signal).toBe('SIGKILL');

    await waitFor('the assembled output', async () => (await status()).assemble.state === 'completed', 45_000);
    const st = await status();
    expect(st.chunks.every((c) => c.state === 'completed')).toBe(true);
    expect(st.chunks[1]).toMatchObject({ stalled: 1, attemptsStarted: 2, worker: survivor.name, skipped: false });
    expect(exited(slow.pid)).toBe(true);

    const events = fakeEvents(dir);
    const runs = events.filter((e) => e.ev === 'start' && e.key === 'render-1');
    expect(runs.map((e) => e.worker)).toEqual([victim.name, survivor.name]);
    expect(events.some((e) => e.ev === 'wrote' && e.pid === slow.pid)).toBe(false);
    expectEachChunkWrittenOnce(events, 4);
    expect(survivor.output()).toMatch(/back in the queue/);

    survivor.child.kill('SIGTERM');
    expect((await survivor.exited).code).toBe(0);
  });

  it('stops the render of a worker killed on its own, and a worker started later takes the chunk over', async () => {
    const { dir, env, status } = await setUp('orphan', 2);
    const first = startWorker(redis.url, 'first', env, ['--queue', 'orphan']);
    const slow = await waitFor('chunk 1 under way', () => slowRunUnderway(dir));
    first.child.kill('SIGKILL'); // the worker process only: its sandbox child and the render are left behind
    await waitFor('the orphaned render and its processor to exit', () => exited(slow.pid) && exited(slow.ppid), 10_000);

    const later = startWorker(redis.url, 'later', env, ['--queue', 'orphan']);
    await waitFor('the assembled output', async () => (await status()).assemble.state === 'completed', 45_000);
    expect((await status()).chunks[1]).toMatchObject({ state: 'completed', stalled: 1, worker: 'later' });
    expectEachChunkWrittenOnce(fakeEvents(dir), 2);
    later.child.kill('SIGTERM');
    expect((await later.exited).code).toBe(0);
  });

  it('on SIGTERM stops its render and puts the chunk back without spending an attempt', async () => {
    const { dir, env, status } = await setUp('sigterm', 2);
    const worker = startWorker(redis.url, 'leaving', env, ['--queue', 'sigterm']);
    const slow = await waitFor('chunk 1 under way', () => slowRunUnderway(dir));
    const t0 = Date.now();
    worker.child.kill('SIGTERM');
    expect((await worker.exited).code, worker.output()).toBe(0);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(fakeEvents(dir).some((e) => e.ev === 'interrupted' && e.pid === slow.pid)).toBe(true);
    expect(worker.output()).toContain('handing running jobs back to the queue');
    // back in the queue at once (no lock to wait for), with no failed attempt
    expect((await status()).chunks[1]).toMatchObject({ state: 'waiting', attemptsMade: 0, stalled: 0, reason: null });

    const next = startWorker(redis.url, 'next', env, ['--queue', 'sigterm']);
    await waitFor('the assembled output', async () => (await status()).assemble.state === 'completed', 30_000);
    expect((await status()).chunks[1]).toMatchObject({ state: 'completed', attemptsStarted: 2, stalled: 0, worker: 'next' });
    expectEachChunkWrittenOnce(fakeEvents(dir), 2);
    next.child.kill('SIGTERM');
    expect((await next.exited).code).toBe(0);
  });
});
