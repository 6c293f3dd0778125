import type { Worker } from 'node:worker_threads';

/** Longest wait for a worker's call in flight before it is terminated anyway. */
export const WORKER_STOP_GRACE_MS = 30_000;

/**
 * Terminates `worker` once `idle()` holds (checked now and after each message it sends), once it
 * has exited, or after `graceMs`. A worker terminated while onnxruntime-node is inside
 * session.run() takes the whole process down: the finished run calls back into a torn-down
 * environment and its C++ Napi::Error ends in std::terminate (SIGABRT, e.g. on Ctrl-C mid-frame).
 * The worker's own message handlers must be registered before this is called, so that they have
 * updated whatever `idle()` reads by the time it is checked.
 */
export async function terminateWhenIdle(worker: Worker, idle: () => boolean, graceMs = WORKER_STOP_GRACE_MS): Promise<void> {
  if (!idle()) {
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        worker.off('message', onMessage);
        worker.off('exit', done);
        worker.off('error', done);
        resolve();
      };
      const onMessage = (): void => {
        if (idle()) done();
      };
      const timer = setTimeout(done, graceMs);
      worker.on('message', onMessage);
      worker.on('exit', done);
      worker.on('error', done);
    });
  }
  await worker.terminate();
}
