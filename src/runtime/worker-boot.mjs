// Worker entry point. Node does not carry the main thread's TypeScript loader into worker
// threads, so a worker whose entry is a .ts file registers tsx itself before importing it.
import { workerData } from 'node:worker_threads';

const entry = workerData?.__entry;
if (typeof entry !== 'string') throw new Error('worker-boot: workerData.__entry is missing');
if (entry.endsWith('.ts')) {
  const { register } = await import('tsx/esm/api');
  register();
}
await import(entry);
