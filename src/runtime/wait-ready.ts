import type { Worker } from 'node:worker_threads';
import { ModelError } from '../errors.ts';

/** The first message a model worker sends: ready (with its details) or the reason it could not load. */
type FirstReply<R> = R | { type: 'error'; code: string; message: string } | { type: string };

/**
 * Waits for a freshly spawned model worker's first message: resolves with its `ready` message,
 * rejects with a ModelError (message prefixed by `what`) on a load error, or with the thread's error.
 */
export function waitReady<R extends { type: 'ready' }>(worker: Worker, what = ''): Promise<R> {
  return new Promise((resolve, reject) => {
    const onMessage = (msg: FirstReply<R>) => {
      worker.off('error', onError);
      if (msg.type === 'ready') resolve(msg as R);
      else if (msg.type === 'error') {
        const e = msg as { code: string; message: string };
        reject(new ModelError(e.code, `${what}${e.message}`));
      }
    };
    const onError = (e: Error) => {
      worker.off('message', onMessage);
      reject(e);
    };
    worker.once('message', onMessage);
    worker.once('error', onError);
  });
}
