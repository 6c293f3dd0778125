import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeStart, JOB_FORMAT, JOB_VERSION, readJob, selectChunks, splitFrames, writeJob, type JobManifest } from '../../src/jobs/index.ts';
import { DEFAULTS } from '../../src/options/option-table.ts';
import { blendHistoryStart, blendHorizon } from '../../src/restore/temporal-blend.ts';
import { TrackLookup } from '../../src/track/index.ts';
import { tempPath } from '../helpers/clips.ts';

const lm = [[0, 0], [1, 0], [0.5, 0.5], [0, 1], [1, 1]] as [number, number][];
/** A tracks lookup with one face on `faced` frames and the given cuts. */
function lookup(frames: number, faced: (f: number) => boolean, cuts: number[] = []): TrackLookup {
  const entries = Array.from({ length: frames }, (_, f) => f).filter(faced).map((frame) => ({ frame, box: [0, 0, 1, 1] as [number, number, number, number], score: 1, raw: null, landmarks: lm as never }));
  return new TrackLookup({ version: 1, width: 8, height: 8, fps: 25, frames, cuts, tracks: [{ id: 1, frames: entries }] });
}

describe('plan: chunks and their warm-up', () => {
  it('splits by frames per chunk or into N even chunks, covering every frame once', () => {
    expect(splitFrames(10, { frames: 4 })).toEqual([[0, 4], [4, 8], [8, 10]]);
    expect(splitFrames(10, { chunks: 3 })).toEqual([[0, 3], [3, 7], [7, 10]]);
    expect(splitFrames(2, { chunks: 5 })).toEqual([[0, 1], [1, 2]]);
  });

  it('warms up over the blend\'s bounded history, cut short at a scene cut or after a frame without faces', () => {
    const H = blendHorizon(0.8);
    const start = 5 * H + 3;
    const always = lookup(start + 10, () => true);
    expect(decodeStart(start, 0.8, always)).toBe(blendHistoryStart(start, 0.8));
    expect(start - decodeStart(start, 0.8, always)).toBeLessThan(2 * H);
    expect(decodeStart(start, 0.8, lookup(start + 10, () => true, [start - 4]))).toBe(start - 4);
    expect(decodeStart(start, 0.8, lookup(start + 10, (f) => f !== start - 7))).toBe(start - 6);
    expect(decodeStart(start, 0, always)).toBe(start);
  });
});

describe('render: which chunk', () => {
  const job = { file: '/jobs/film.json', chunks: [0, 1, 2, 3].map((i) => ({ index: i, start: i * 100, end: (i + 1) * 100, decodeFrom: 0, seek: null })) } as unknown as JobManifest;

  it('--chunk, then --frames (chunks starting in S…E), then the array-job variables', () => {
    expect(selectChunks(job, { chunk: 2 }, { SLURM_ARRAY_TASK_ID: '1' }).map((c) => c.index)).toEqual([2]);
    expect(selectChunks(job, { frames: '100-299' }, {}).map((c) => c.index)).toEqual([1, 2]);
    expect(selectChunks(job, { frames: '200-200' }, {}).map((c) => c.index)).toEqual([2]);
    expect(selectChunks(job, {}, { SLURM_ARRAY_TASK_ID: '3' }).map((c) => c.index)).toEqual([3]);
    expect(selectChunks(job, {}, { JOB_COMPLETION_INDEX: '0' }).map((c) => c.index)).toEqual([0]);
    expect(selectChunks(job, {}, { AWS_BATCH_JOB_ARRAY_INDEX: '1' }).map((c) => c.index)).toEqual([1]);
  });

  it('says what is wrong: no chunk named, an index out of range, a range with no chunk start', () => {
    expect(() => selectChunks(job, {}, {})).toThrow(/--chunk K \(0–3\)/);
    expect(() => selectChunks(job, {}, { JOB_COMPLETION_INDEX: '7' })).toThrow(/JOB_COMPLETION_INDEX is 7, but .* has chunks 0–3/);
    expect(() => selectChunks(job, { frames: '101-150' }, {})).toThrow(/contains the start of no chunk/);
    expect(() => selectChunks(job, { frames: 'abc' }, {})).toThrow(/not a frame range/);
  });
});

describe('job files', () => {
  it('refuses a newer version by name, and anything else that is not a job with the reason', async () => {
    const newer = tempPath('newer.json');
    writeFileSync(newer, JSON.stringify({ format: 'gpen-video-job', version: 2 }));
    await expect(readJob(newer)).rejects.toMatchObject({ code: 'E_JOB_VERSION' });
    const other = tempPath('other.json');
    writeFileSync(other, JSON.stringify({ format: 'gpen-video-job', version: 1, chunks: [] }));
    await expect(readJob(other)).rejects.toMatchObject({ code: 'E_JOB_FILE' });
    await expect(readJob(tempPath('missing.json'))).rejects.toThrow(/Create it with `gpen-video plan`/);
  });

  it('reads a job planned before helperNice existed, with its id intact', async () => {
    const { helperNice: _n, ...options } = DEFAULTS;
    const file = tempPath('older.json');
    const written = await writeJob(file, {
      format: JOB_FORMAT,
      version: JOB_VERSION,
      createdBy: 'gpen-video test',
      input: { path: '/in.mp4', bytes: 1, mtimeMs: 0, sha256: '0'.repeat(64), frames: 2, width: 8, height: 8 },
      output: '/out.mp4',
      overwrite: false,
      options,
      optionSources: {},
      model: { spec: 'gpen-bfr-512', file: 'gpen.onnx', sha256: '0'.repeat(64) },
      tracks: 'tracks.json',
      chunkDir: 'chunks',
      chunkExtension: '.nut',
      chunks: [{ index: 0, start: 0, end: 2, decodeFrom: 0, seek: null }],
    } as never);
    const read = await readJob(file);
    expect(read.id).toBe(written.id);
    expect(read.options.helperNice).toBeUndefined();
  });
});
