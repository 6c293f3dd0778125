import path from 'node:path';
import { writeJob } from '../../src/jobs/index.ts';
import { resolveOptions } from '../../src/options/resolve-options.ts';

/**
 * A valid job manifest for `frames` frames in `chunks` chunks, naming files that need not exist:
 * the fake CLI (fixtures/fake-cli.mjs) reads only its chunk list. `tag` changes the job's id.
 */
export async function writeFakeJob(dir: string, name: string, chunks: number, frames = 40, tag = name): Promise<{ file: string; id: string }> {
  const ranges = Array.from({ length: chunks }, (_, i) => {
    const start = Math.round((i * frames) / chunks);
    return { index: i, start, end: Math.round(((i + 1) * frames) / chunks), decodeFrom: start };
  });
  const job = await writeJob(path.join(dir, `${name}.json`), {
    format: 'gpen-video-job',
    version: 1,
    createdBy: 'farm tests',
    input: { path: path.join(dir, `${tag}.mkv`), bytes: 1, mtimeMs: 0, sha256: '0'.repeat(64), frames, width: 64, height: 48 },
    output: path.join(dir, `${name}.out.mkv`),
    overwrite: false,
    options: resolveOptions({}).options,
    optionSources: {},
    model: { spec: 'fake', file: path.join(dir, 'fake.onnx'), sha256: '1'.repeat(64) },
    tracks: `${name}.tracks.json`,
    chunkDir: `${name}.chunks`,
    chunkExtension: '.nut',
    chunks: ranges.map((r) => ({ ...r, seek: null })),
  });
  return { file: job.file, id: job.id };
}
