import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { beforeAll, expect, it } from 'vitest';
import { ffmpeg, tempDir } from '../helpers/clips.ts';
import { describeShared } from '../helpers/shared.ts';
import { runCli } from '../cli/run-cli.ts';
import { readJob, writeJob } from '../../src/jobs/index.ts';
import { contrastModel, modelsEnv, readTracks, twoFacesClip } from '../pipeline/fixtures.ts';

/** Per-frame MD5 of the decoded video, with its timestamps (ffmpeg's framemd5, comment lines dropped). */
async function videoFrames(file: string): Promise<string[]> {
  const out = (await ffmpeg(['-i', file, '-map', '0:v:0', '-f', 'framemd5', '-'])).toString();
  return out.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));
}
const audioMd5 = async (file: string, n: number) => (await ffmpeg(['-i', file, '-map', `0:a:${n}`, '-c', 'copy', '-f', 'md5', '-'])).toString().trim();

interface Job {
  id: string;
  chunks: Array<{ index: number; start: number; end: number; decodeFrom: number }>;
}

/*
 * plan → render (chunks in any order, one twice) → assemble, against one `restore` run of the same
 * input and options: a deterministic restorer that changes every face, temporal blending on, and
 * lossless output, so any difference the chunking makes would show in the pixels.
 */
describeShared('chunked rendering: plan, render, assemble', () => {
  const dir = tempDir();
  const job = `${dir}/job.json`;
  let clip: string;
  let options: string[];
  let plan: Job;

  beforeAll(async () => {
    clip = await twoFacesClip({ fps: 12, duration: 4, audio: 2 });
    // blend 0.5 keeps the blend's history short (blendHorizon 9), so late chunks start decoding after frame 0
    options = ['--model', await contrastModel(128), '--codec', 'ffv1', '--pix-fmt', 'bgr0', '--temporal-blend', '0.5', '--progress', 'none'];
    const p = runCli(['plan', clip, '-o', `${dir}/farm.mkv`, '--job', job, '--chunks', '4', ...options], modelsEnv());
    expect(p.code, p.stderr).toBe(0);
    plan = JSON.parse(readFileSync(job, 'utf8')) as Job;
  });

  it('plans 4 chunks covering every frame, later ones warming up on a bounded window', () => {
    expect(plan.chunks.map((c) => [c.start, c.end])).toEqual([[0, 12], [12, 24], [24, 36], [36, 48]]);
    expect(plan.chunks[3]!.decodeFrom).toBeGreaterThan(0);
    expect(plan.chunks[3]!.decodeFrom).toBeLessThan(36);
    // both faces are tracked across every chunk boundary
    const tracks = readTracks(`${dir}/job.tracks.json`);
    for (const b of [12, 24, 36]) expect(tracks.tracks.filter((t) => t.frames.some((f) => f.frame === b - 1) && t.frames.some((f) => f.frame === b))).toHaveLength(2);
  });

  it('assembles an output identical, frame for frame, to a single restore, with the source\'s audio packets', async () => {
    for (const k of [2, 0, 3, 1]) {
      const r = runCli(['render', job, '--chunk', String(k), ...options.slice(-2)], modelsEnv());
      expect(r.code, r.stderr).toBe(0);
      // chunks after the first seek to where their decoding starts, and land there
      expect(r.stderr).not.toMatch(/did not land/);
    }
    const chunk1 = `${dir}/job.chunks/chunk-0001.nut`;
    const before = { mtime: statSync(chunk1).mtimeMs, bytes: readFileSync(chunk1) };
    const again = runCli(['render', job, '--chunk', '1', '--progress', 'json'], modelsEnv());
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout.trim())).toEqual({ skipped: true, chunk: 1 });
    expect(statSync(chunk1).mtimeMs).toBe(before.mtime);
    expect(readFileSync(chunk1).equals(before.bytes)).toBe(true);

    // what a render killed with SIGKILL leaves behind
    const abandoned = `${dir}/job.chunks/.chunk-0002.nut.gpen-deadbeef.nut`;
    writeFileSync(abandoned, 'partial');
    const a = runCli(['assemble', job], modelsEnv());
    expect(a.code, a.stderr).toBe(0);
    expect(existsSync(abandoned)).toBe(false);
    const single = runCli(['restore', clip, '-o', `${dir}/single.mkv`, ...options], modelsEnv());
    expect(single.code, single.stderr).toBe(0);

    const [farm, one, source] = await Promise.all([videoFrames(`${dir}/farm.mkv`), videoFrames(`${dir}/single.mkv`), videoFrames(clip)]);
    expect(farm).toHaveLength(48);
    expect(farm).toEqual(one);
    // and the restorer did change the faces: the output is not the source
    expect(farm.map((l) => l.split(',').at(-1))).not.toEqual(source.map((l) => l.split(',').at(-1)));
    for (const n of [0, 1]) expect(await audioMd5(`${dir}/farm.mkv`, n)).toBe(await audioMd5(clip, n));

    const twice = runCli(['assemble', job], modelsEnv());
    expect(twice.code, twice.stderr).toBe(0);
    expect(twice.stdout).toMatch(/already assembled/);
  });

  it('takes the chunk from an array-job variable and refuses a chunk the job does not have', () => {
    const slurm = runCli(['render', job, '--progress', 'json'], { ...modelsEnv(), SLURM_ARRAY_TASK_ID: '2' });
    expect(slurm.code, slurm.stderr).toBe(0);
    expect(JSON.parse(slurm.stdout.trim())).toEqual({ skipped: true, chunk: 2 });
    const frames = runCli(['render', job, '--frames', '24-35', '--progress', 'json'], modelsEnv());
    expect(JSON.parse(frames.stdout.trim())).toEqual({ skipped: true, chunk: 2 });
    const bad = runCli(['render', job, '--chunk', '9'], modelsEnv());
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/chunks 0–3/);
  });

  it('decodes from the start of the file when a seek does not land on the planned frame, with the same result', async () => {
    const planned = await readJob(job);
    const { id: _id, file: _file, ...body } = planned;
    const chunks = body.chunks.map((c) => (c.seek ? { ...c, seek: { ...c.seek, pts: c.seek.pts + 1 } } : c));
    const other = await writeJob(`${dir}/moved.json`, { ...body, chunkDir: 'moved.chunks', chunks });
    const r = runCli(['render', other.file, '--chunk', '3', '--progress', 'none'], modelsEnv());
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/did not land on frame \d+; decoding chunk 3 from the start/);
    expect(await videoFrames(`${dir}/moved.chunks/chunk-0003.nut`)).toEqual(await videoFrames(`${dir}/job.chunks/chunk-0003.nut`));
  });

  it('plan refuses at once what assemble could not write (a codec the output container cannot hold)', () => {
    const r = runCli(['plan', clip, '-o', `${dir}/bad.mp4`, '--job', `${dir}/bad.json`, '--codec', 'ffv1', '--model', options[1]!], modelsEnv());
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot hold/);
    expect(existsSync(`${dir}/bad.json`)).toBe(false);
  });

  it('refuses a job file edited after planning (exit 2, do not retry)', () => {
    const edited = `${dir}/edited.json`;
    writeFileSync(edited, readFileSync(job, 'utf8').replace('"temporalBlend": 0.5', '"temporalBlend": 0.6'));
    const r = runCli(['render', edited, '--chunk', '0'], modelsEnv());
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/edited after planning/);
  });
});
