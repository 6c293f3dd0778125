import { execFileSync } from 'node:child_process';
import { getPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { lowerCallingThread } from '../../src/runtime/priority.ts';

// Lowers this worker's own thread, then reports its nice value and that of a process it starts.
const before = getPriority(0);
const lowered = lowerCallingThread(workerData.by as number);
// field 19 of /proc/self/stat is the nice value of the process reading it (cut itself)
const child = Number(execFileSync('cut', ['-d', ' ', '-f', '19', '/proc/self/stat'], { encoding: 'utf8' }).trim());
parentPort!.postMessage({ before, after: getPriority(0), lowered, child });
