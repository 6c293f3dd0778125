import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { loadFarmManifest } from '../../src/farm/farm-manifest.ts';
import { farmStatus, type FarmStatus } from '../../src/farm/status.ts';
import { runCli } from '../cli/run-cli.ts';
import { ffmpeg } from '../helpers/clips.ts';
import { useRedis } from '../helpers/redis.ts';
import { describeShared, projectRoot } from '../helpers/shared.ts';
import { tempDir } from '../helpers/tmp.ts';
import { contrastModel, modelsEnv, startCli, twoFacesClip } from '../pipeline/fixtures.ts';
import { exited, farmCli, startWorker, waitFor } from './farm-workers.ts';

const PAUSING_CLI = path.join(projectRoot, 'test', 'farm', 'fixtures', 'pausing-cli.mjs');

/** Per-frame MD5 of the decoded video with its timestamps (ffmpeg's framemd5, comments dropped). */
async function videoFrames(file: string): Promise<string[]> {
  const out = (await ffmpeg(['-i', file, '-map', '0:v:0', '-f', 'framemd5', '-'])).toString();
  return out.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));
}
const audioMd5 = async (file: string, n: number) => (await ffmpeg(['-i', file, '-map', `0:a:${n}`, '-c', 'copy', '-f', 'md5', '-'])).toString().trim();

/*
 * The real thing: plan → farm submit → two real workers running the real render and assemble, one
 * worker machine killed (SIGKILL, with its render) half-way through a chunk and replaced by a new
 * worker → the chunk is taken over once its lock expires. A deterministic restorer, temporal blending and lossless output make any chunk
 * rendered twice, missed or joined wrongly show up as a frame that differs from one `restore`.
 */
describeShared('farm end to end: 4 chunks, 2 workers, one killed mid-chunk', () => {
  const dir = tempDir('gpen-farm-e2e-');
  const job = path.join(dir, 'job.json');
  const output = path.join(dir, 'farm.mkv');
  const redis = useRedis();
  let clip: string;
  let options: string[];

  beforeAll(async () => {
    clip = await twoFacesClip({ fps: 12, duration: 3, audio: 2 });
    options = ['--model', await contrastModel(128), '--codec', 'ffv1', '--pix-fmt', 'bgr0', '--temporal-blend', '0.5', '--progress', 'none'];
    const p = runCli(['plan', clip, '-o', output, '--job', job, '--chunks', '4', ...options], modelsEnv());
    expect(p.code, p.stderr).toBe(0);
  });

  it('assembles, once, an output identical frame for frame to a single restore, with the source\'s audio packets', async () => {
    const sub = farmCli(['submit', job, '--redis', redis.url, '--backoff', '500']);
    expect(sub.code, sub.stderr).toBe(0);
    const manifest = await loadFarmManifest(job);
    const status = (): Promise<FarmStatus> => farmStatus(manifest, { redis: redis.url, queue: 'gpen-video' });

    // The first render to report a frame is frozen there (pausing-cli.mjs), so the kill lands mid-chunk.
    const env = { ...modelsEnv(), GPEN_VIDEO_FARM_CLI: PAUSING_CLI, PAUSE_DIR: dir };
    // 4 s locks: two renders on two cores must not delay a renewal past expiry
    const extra = ['--lock-duration', '4000', '--', '--workers', '1', '--threads', '1'];
    const workers = [startWorker(redis.url, 'w1', env, extra), startWorker(redis.url, 'w2', env, extra)];
    const [k, renderPid] = await waitFor('a chunk half rendered', () => {
      try {
        return readFileSync(path.join(dir, 'paused'), 'utf8').split(' ').map(Number) as [number, number];
      } catch {
        return null;
      }
    }, 60_000);
    const holder = await waitFor(`the worker running chunk ${k}`, async () => {
      const c = (await status()).chunks[k]!;
      return c.state === 'active' && c.progress && c.progress.frame >= 1 && c.progress.frame < c.end - c.start ? c.worker : null;
    });
    const victim = workers.find((w) => w.name === holder)!;
    victim.killMachine();
    await victim.exited;
    await waitFor('the frozen render to die with its machine', () => exited(renderPid), 5000);
    // the machine comes back (as a restarted pod would) with a new worker: two workers again
    const live = [workers.find((w) => w !== victim)!, startWorker(redis.url, 'w3', env, extra)];

    // the single-process reference, while the workers finish
    const single = startCli(['restore', clip, '-o', path.join(dir, 'single.mkv'), ...options], modelsEnv());
    await waitFor('the assembled output', async () => {
      const st = await status();
      if (st.assemble.state === 'failed') throw new Error(`assemble failed: ${st.assemble.reason}\n${live.map((w) => w.output()).join('\n')}`);
      return st.assemble.state === 'completed';
    }, 120_000);
    const st = await status();
    expect(st.chunks.map((c) => c.state)).toEqual(['completed', 'completed', 'completed', 'completed']);
    // the killed chunk was taken over (once) and rendered in full by another worker
    expect(st.chunks[k]).toMatchObject({ stalled: 1, attemptsStarted: 2, skipped: false });
    expect(live.map((w) => w.name)).toContain(st.chunks[k]!.worker);
    expect(st.assemble).toMatchObject({ attemptsStarted: 1, stalled: 0 });
    for (const w of live) w.child.kill('SIGTERM');
    for (const w of live) expect((await w.exited).code, w.output()).toBe(0);

    const restored = await single.exited;
    expect(restored.code, restored.stderr).toBe(0);
    const [farm, one] = await Promise.all([videoFrames(output), videoFrames(path.join(dir, 'single.mkv'))]);
    expect(farm).toHaveLength(36);
    expect(farm).toEqual(one);
    for (const n of [0, 1]) expect(await audioMd5(output, n), `audio stream ${n}`).toBe(await audioMd5(clip, n));

    // rendering the taken-over chunk again changes nothing
    const chunkFile = path.join(dir, 'job.chunks', `chunk-${String(k).padStart(4, '0')}.nut`);
    const before = { mtime: statSync(chunkFile).mtimeMs, bytes: readFileSync(chunkFile) };
    const again = runCli(['render', job, '--chunk', String(k), '--progress', 'json'], modelsEnv());
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout.trim())).toEqual({ skipped: true, chunk: k });
    expect(statSync(chunkFile).mtimeMs).toBe(before.mtime);
    expect(readFileSync(chunkFile).equals(before.bytes)).toBe(true);
  });
});
