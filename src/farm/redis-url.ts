import type { RedisOptions } from 'bullmq';
import { UsageError } from '../errors.ts';

/**
 * Checks a `--redis` URL and turns it into BullMQ connection options. Blocking worker
 * connections need `maxRetriesPerRequest: null`, or ioredis gives up on a long BRPOP.
 */
export function redisConnection(url: string | undefined): RedisOptions {
  if (!url) throw new UsageError('no Redis given: pass --redis redis://HOST:6379 or set GPEN_VIDEO_REDIS', 'E_FARM_REDIS_URL');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`--redis "${url}" is not a URL: write it as redis://HOST:PORT[/DB] (or rediss:// for TLS)`, 'E_FARM_REDIS_URL');
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new UsageError(`--redis "${redactRedisUrl(url)}" must start with redis:// or rediss://`, 'E_FARM_REDIS_URL');
  }
  return { url, maxRetriesPerRequest: null };
}

/** The URL without its password, for messages and logs. */
export function redactRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}
