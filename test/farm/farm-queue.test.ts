import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Queue } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { loadFarmManifest } from '../../src/farm/farm-manifest.ts';
import { farmStatus, type FarmStatus } from '../../src/farm/status.ts';
import { useRedis } from '../helpers/redis.ts';
import { tempDir } from '../helpers/tmp.ts';
import { writeFakeJob } from './fake-job.ts';
import { fakeCliEnv, fakeEvents, farmCli, startWorker, waitFor } from './farm-workers.ts';

/*
 * The farm against a real redis-server and real `farm worker` processes; the render and assemble
 * steps are the fake CLI (fixtures/fake-cli.mjs), which fails on cue and records what it did.
 */
const redis = useRedis();
const root = tempDir('gpen-farm-queue-');

function scenario(name: string, plan: object): string {
  const dir = path.join(root, name);
  mkdirSync(dir);
  writeFileSync(path.join(dir, 'plan.json'), JSON.stringify(plan));
  return dir;
}

async function statusOf(jobFile: string, queue: string): Promise<FarmStatus> {
  return farmStatus(await loadFarmManifest(jobFile), { redis: redis.url, queue });
}

describe('farm submit', () => {
  it('enqueues one flow per job, and submitting the same job again adds nothing', async () => {
    const dir = scenario('idem', {});
    const job = await writeFakeJob(dir, 'idem', 4);
    const first = farmCli(['submit', job.file, '--redis', redis.url, '--queue', 'idem', '--json']);
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ jobId: job.id, chunks: 4, created: true, state: 'waiting-children' });
    const again = farmCli(['submit', job.file, '--redis', redis.url, '--queue', 'idem']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('already submitted');

    const other = await writeFakeJob(dir, 'other', 2);
    expect(farmCli(['submit', other.file, '--redis', redis.url, '--queue', 'idem']).code).toBe(0);

    const queue = new Queue('idem', { connection: { url: redis.url } });
    try {
      const counts = await queue.getJobCounts('waiting', 'waiting-children', 'active', 'delayed', 'completed', 'failed');
      expect(counts).toMatchObject({ waiting: 6, 'waiting-children': 2, active: 0, delayed: 0 });
      const chunk = await queue.getJob(`${job.id}-chunk-2`);
      expect(chunk?.data).toEqual({ kind: 'chunk', jobFile: job.file, jobId: job.id, chunk: 2, start: 20, end: 30 });
      expect(chunk?.opts).toMatchObject({ attempts: 5, backoff: { type: 'exponential', delay: 10_000 } });
    } finally {
      await queue.close();
    }
    const st = await statusOf(job.file, 'idem');
    expect(st.chunks.map((c) => c.state)).toEqual(['waiting', 'waiting', 'waiting', 'waiting']);
    expect(st.assemble.state).toBe('waiting-children');
  });

  it('says where Redis could not be reached, as a transient failure', async () => {
    const dir = scenario('down', {});
    const job = await writeFakeJob(dir, 'down', 1);
    const r = farmCli(['submit', job.file, '--redis', 'redis://127.0.0.1:1']);
    expect(r.code).toBe(75);
    expect(r.stderr).toMatch(/cannot reach Redis at redis:\/\/127\.0\.0\.1:1/);
    const bad = farmCli(['status', job.file, '--redis', 'http://example']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('redis://');
  });
});

describe('farm worker', () => {
  it('retries transient failures with exponential backoff, reports progress, and assembles once', async () => {
    const dir = scenario('retry', { render: { '1': ['exit:75', 'exit:75'], '2': ['exit:1'], '3': ['slow'] }, frames: 6, delayMs: 30, slowDelayMs: 400 });
    const job = await writeFakeJob(dir, 'retry', 4);
    const sub = farmCli(['submit', job.file, '--redis', redis.url, '--queue', 'retry', '--backoff', '300', '--attempts', '4']);
    expect(sub.code, sub.stderr).toBe(0);
    const env = fakeCliEnv(dir);
    const workers = [startWorker(redis.url, 'w1', env, ['--queue', 'retry', '--', '--device', 'cpu']), startWorker(redis.url, 'w2', env, ['--queue', 'retry', '--', '--device', 'cpu'])];

    // The slow chunk's progress shows in status while it runs.
    const running = await waitFor('progress of the slow chunk', async () => {
      const c = (await statusOf(job.file, 'retry')).chunks[3]!;
      return c.state === 'active' && c.progress && c.progress.frame >= 2 && c.progress.frame < 6 ? c : null;
    });
    expect(running.progress).toMatchObject({ total: 6, fps: 10 });
    expect(['w1', 'w2']).toContain(running.worker);

    await waitFor('the assembled output', async () => (await statusOf(job.file, 'retry')).assemble.state === 'completed', 45_000);
    const st = await statusOf(job.file, 'retry');
    expect(st.chunks.map((c) => [c.state, c.attemptsStarted])).toEqual([['completed', 1], ['completed', 3], ['completed', 2], ['completed', 1]]);
    for (const c of st.chunks) expect(c.progress).toMatchObject({ frame: 6, total: 6 });
    expect(st.chunks[1]!.reason).toContain('transient failure (exit 75): fake render failure with exit 75');

    const events = fakeEvents(dir);
    const starts = (key: string) => events.filter((e) => e.ev === 'start' && e.key === key);
    // exponential: 300 ms after the first failure, 600 ms after the second
    const [a, b, c] = starts('render-1').map((e) => e.at);
    expect(b! - a!).toBeGreaterThanOrEqual(290);
    expect(c! - b!).toBeGreaterThanOrEqual(590);
    for (const k of [0, 1, 2, 3]) expect(events.filter((e) => e.ev === 'wrote' && e.key === `render-${k}`)).toHaveLength(1);
    expect(starts('assemble')).toHaveLength(1);
    expect(events.filter((e) => e.ev === 'assembled')).toHaveLength(1);
    expect(Math.min(...starts('assemble').map((e) => e.at))).toBeGreaterThan(Math.max(...events.filter((e) => e.ev === 'wrote').map((e) => e.at)));
    expect(starts('render-0')[0]!.args).toEqual(['--chunk', '0', '--progress', 'json', '--device', 'cpu']);

    const table = farmCli(['status', job.file, '--redis', redis.url, '--queue', 'retry']);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/^1 +10–20 +completed +3 +0 +100% +w[12]/m);
    expect(table.stdout).toContain('(4 completed); assemble completed');

    for (const w of workers) w.child.kill('SIGTERM');
    for (const w of workers) expect((await w.exited).code, w.output()).toBe(0);
  });

  it('fails a chunk whose render refuses its input (exit 2) without retrying or assembling, until submit --retry', async () => {
    const dir = scenario('bad', { render: { '0': ['exit:2'] } });
    const job = await writeFakeJob(dir, 'bad', 2);
    expect(farmCli(['submit', job.file, '--redis', redis.url, '--queue', 'bad', '--backoff', '100']).code).toBe(0);
    const worker = startWorker(redis.url, 'w3', fakeCliEnv(dir), ['--queue', 'bad']);

    await waitFor('the job to fail', async () => (await statusOf(job.file, 'bad')).assemble.state === 'failed');
    await waitFor('chunk 1', async () => (await statusOf(job.file, 'bad')).chunks[1]!.state === 'completed');
    await new Promise((r) => setTimeout(r, 800)); // well past the 100 ms backoff: a retry would have started
    const st = await statusOf(job.file, 'bad');
    expect(st.chunks[0]).toMatchObject({ state: 'failed', attemptsStarted: 1, reason: expect.stringContaining('refused its input (exit 2, not retried): fake render failure with exit 2') });
    expect(st.assemble.reason).toContain(`${job.id}-chunk-0 failed`);
    const events = fakeEvents(dir);
    expect(events.filter((e) => e.ev === 'start' && e.key === 'render-0')).toHaveLength(1);
    expect(events.filter((e) => e.key === 'assemble')).toHaveLength(0);
    expect(worker.output()).toMatch(/chunk 0 \(frames 0–20\): failed: .*exit 2.*\(final\)/);

    // Once the cause is fixed (here: the fake fails only on its first run), --retry starts the job
    // afresh; the chunk that did render is skipped.
    const plain = farmCli(['submit', job.file, '--redis', redis.url, '--queue', 'bad']);
    expect(plain.stdout).toMatch(/assemble failed\); nothing added; .*submit --retry/);
    const retry = farmCli(['submit', job.file, '--redis', redis.url, '--queue', 'bad', '--retry']);
    expect(retry.code, retry.stderr).toBe(0);
    expect(retry.stdout).toContain(`resubmitted job ${job.id}`);
    await waitFor('the retried job', async () => (await statusOf(job.file, 'bad')).assemble.state === 'completed');
    const done = await statusOf(job.file, 'bad');
    expect(done.chunks.map((c) => [c.state, c.skipped])).toEqual([['completed', false], ['completed', true]]);
    expect(fakeEvents(dir).filter((e) => e.ev === 'assembled')).toHaveLength(1);

    worker.child.kill('SIGTERM');
    expect((await worker.exited).code).toBe(0);
  });
});
