import { getPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { lowerCallingThread } from '../../src/runtime/priority.ts';
import { newProcessNice } from '../helpers/nice.ts';

// Lowers this worker's own thread, then reports its nice value and that of a process it starts.
const before = getPriority(0);
const lowered = lowerCallingThread(workerData.by as number);
parentPort!.postMessage({ before, after: getPriority(0), lowered, child: newProcessNice() });
