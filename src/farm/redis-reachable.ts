import { TransientError } from '../errors.ts';
import { redactRedisUrl } from './redis-url.ts';

interface RedisUser {
  waitUntilReady(): Promise<void>;
  on(event: 'error', fn: (e: Error) => void): unknown;
}

/** Connection errors in a row after which a one-shot command stops waiting (ioredis retries within ~0.3 s). */
const ERRORS_BEFORE_GIVING_UP = 3;

/**
 * Waits for a Queue/FlowProducer's connection, failing with exit 75 when Redis refuses it or does
 * not answer in time: ioredis would otherwise keep reconnecting silently and `submit`/`status`
 * would hang. (Workers, by contrast, wait for Redis to come back.)
 */
export async function whenReachable(client: RedisUser, url: string, timeoutMs = 10_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    let lastError = '';
    let errors = 0;
    const fail = () => {
      const why = lastError ? ` (${lastError})` : ` within ${timeoutMs / 1000} s`;
      reject(new TransientError('E_FARM_REDIS', `cannot reach Redis at ${redactRedisUrl(url)}${why}: check that redis-server runs there and this machine can connect to it`));
    };
    client.on('error', (e) => {
      lastError = e.message;
      if (++errors >= ERRORS_BEFORE_GIVING_UP) fail();
    });
    timer = setTimeout(fail, timeoutMs);
  });
  try {
    await Promise.race([client.waitUntilReady(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
