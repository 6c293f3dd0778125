import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/**
 * Feeds a file (or its first `end` bytes) into `hash` as a stream, so multi-hundred-MB
 * checkpoints never sit in memory. Resolves to the number of bytes read.
 */
export async function hashFileInto(
  hash: Hash,
  path: string,
  opts: { signal?: AbortSignal; end?: number } = {},
): Promise<number> {
  // createReadStream's `end` is inclusive; an empty range must not read at all.
  if (opts.end !== undefined && opts.end <= 0) return 0;
  const stream = createReadStream(path, {
    ...(opts.end === undefined ? {} : { end: opts.end - 1 }),
    ...(opts.signal ? { signal: opts.signal } : {}),
    highWaterMark: 1 << 20,
  });
  let bytes = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    hash.update(chunk);
    bytes += chunk.length;
  }
  return bytes;
}

/** Lower-case hex sha256 of a file, computed as a stream. */
export async function sha256File(path: string, opts: { signal?: AbortSignal } = {}): Promise<string> {
  const hash = createHash('sha256');
  await hashFileInto(hash, path, opts);
  return hash.digest('hex');
}
