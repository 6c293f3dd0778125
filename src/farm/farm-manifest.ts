import path from 'node:path';
import { readJob } from '../jobs/index.ts';
import { checkJobIdForFarm } from './names.ts';

/** The parts of a job manifest the farm needs (the manifest itself is the render command's business). */
export interface FarmManifest {
  /** absolute path of the job file: workers open the same path on shared storage */
  file: string;
  id: string;
  output: string;
  chunks: Array<{ index: number; start: number; end: number }>;
}

export async function loadFarmManifest(file: string): Promise<FarmManifest> {
  const abs = path.resolve(file);
  const job = await readJob(abs);
  return { file: abs, id: checkJobIdForFarm(job.id), output: job.output, chunks: job.chunks.map(({ index, start, end }) => ({ index, start, end })) };
}
