import type { ChildProcess } from 'node:child_process';
import { EXIT, GpenError } from '../errors.ts';
import type { BinaryName } from './binaries.ts';

/** Writes to a child's stdin, waiting for 'drain' when the pipe is full; rejects with the child's failure if it has gone. */
export function writeChunk(name: BinaryName, child: ChildProcess, chunk: Uint8Array, done: Promise<void>, exited: () => boolean): Promise<void> {
  const stdin = child.stdin;
  if (!stdin) return Promise.reject(new Error('runFfmpeg was started without stdin: "pipe"'));
  const gone = (): Promise<never> =>
    done.then(
      () => Promise.reject(new GpenError('E_FFMPEG_INPUT_CLOSED', `${name} exited before reading all of its input`, { exitCode: EXIT.internal })),
      (e: unknown) => Promise.reject(e),
    );
  if (exited() || stdin.destroyed || stdin.writableEnded) return gone();
  return new Promise<void>((resolve, reject) => {
    let failed = false;
    const fail = (): void => {
      if (failed) return;
      failed = true;
      cleanup();
      gone().catch(reject);
    };
    const onDrain = (): void => {
      cleanup();
      resolve();
    };
    const cleanup = (): void => {
      stdin.off('drain', onDrain);
      stdin.off('close', fail);
      stdin.off('error', fail);
    };
    stdin.on('error', fail);
    stdin.on('close', fail);
    if (stdin.write(chunk, (err) => err && fail())) {
      cleanup();
      resolve();
    } else {
      stdin.on('drain', onDrain);
    }
  });
}
