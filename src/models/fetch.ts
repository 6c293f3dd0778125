import { createHash, type Hash } from 'node:crypto';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { GpenError, ModelError, TransientError, UsageError } from '../errors.ts';
import { fetchCommand, type ResolvedModelsDir } from './models-dir.ts';
import { createProgressReporter } from './fetch-progress.ts';
import { getModel, type RegistryEntry } from './registry.ts';
import { hashFileInto, sha256File } from './sha256.ts';

export interface FetchProgress {
  /** Bytes of the file on disk so far, resumed bytes included. */
  received: number;
  /** Full size of the file, when the registry or the server says. */
  total: number | null;
  /** Where the current attempt started (0 for a fresh download). */
  resumedFrom: number;
}

export interface FetchOptions {
  signal?: AbortSignal;
  onProgress?: (p: FetchProgress) => void;
  /** Retries after a network failure, a timeout or a 5xx (default 3). */
  retries?: number;
  /** Replaces the scheme, host and port of the entry's URL (a mirror, or a test server); a path in it is prefixed. */
  baseUrl?: string;
  /** Replaces the entry's URL altogether. */
  fetchUrl?: string;
  /** Download even when an installed copy passes verification. */
  force?: boolean;
  /** Silence on the socket, in ms, after which an attempt counts as failed (default 30 000). */
  timeoutMs?: number;
  /** First retry delay in ms, doubled each retry up to 30 s (default 1000). */
  retryDelayMs?: number;
}

export interface FetchResult {
  name: string;
  path: string;
  bytes: number;
  sha256: string;
  /** True when the registry had a sha256 and it matched. */
  verified: boolean;
  status: 'downloaded' | 'already-present';
  /** Bytes reused from an earlier, interrupted download (first attempt). */
  resumedFrom: number;
  attempts: number;
}

const MAX_REDIRECTS = 5;
const USER_AGENT = 'gpen-video (model fetch)';

interface Ctx {
  entry: RegistryEntry;
  dir: string | ResolvedModelsDir;
  url: URL;
  finalPath: string;
  partPath: string;
  opts: FetchOptions;
  /** ETag or Last-Modified of the first reply, so a retry never splices two versions of the file. */
  validator: string | null;
}

/**
 * Downloads one model into `dir` through `<file>.part`, resuming what an earlier attempt left,
 * verifying size and sha256 where the registry knows them, then renaming into place.
 */
export async function fetchModel(
  entry: RegistryEntry,
  dir: string | ResolvedModelsDir,
  opts: FetchOptions = {},
): Promise<FetchResult> {
  const retries = opts.retries ?? 3;
  if (!Number.isInteger(retries) || retries < 0) {
    throw new UsageError(`fetchModel: retries must be a non-negative integer, got ${retries}.`);
  }
  const dirPath = path.resolve(typeof dir === 'string' ? dir : dir.dir);
  const finalPath = path.join(dirPath, entry.file);
  const ctx: Ctx = {
    entry,
    dir,
    url: resolveUrl(entry, opts),
    finalPath,
    partPath: `${finalPath}.part`,
    opts,
    validator: null,
  };
  const { signal } = opts;
  try {
    signal?.throwIfAborted();
    await mkdir(dirPath, { recursive: true }).catch((e: unknown) => {
      throw ioError(e, dirPath, 'create the models directory');
    });
    if (!opts.force) {
      const present = await installedCopy(ctx);
      if (present) return present;
    }
    let firstResume: number | null = null;
    for (let attempt = 1; ; attempt++) {
      try {
        const done = await attemptDownload(ctx, (resumedFrom) => {
          firstResume ??= resumedFrom;
        });
        return { ...done, resumedFrom: firstResume ?? 0, attempts: attempt };
      } catch (err) {
        if (signal?.aborted || !(err instanceof TransientError)) throw err;
        if (attempt > retries) {
          const kept = await fileSize(ctx.partPath);
          throw new TransientError(
            err.code,
            `${err.message} Gave up after ${attempt} attempts.` +
              (kept > 0 ? ` ${kept} bytes are kept in ${ctx.partPath}; the next fetch resumes from there.` : '') +
              ` Check the network and run: ${fetchCommand(entry.name, dir)}`,
            err,
          );
        }
        const delay = Math.min((opts.retryDelayMs ?? 1000) * 2 ** (attempt - 1), 30_000);
        await sleep(delay, undefined, signal ? { signal } : {});
      }
    }
  } catch (err) {
    if (signal?.aborted) throw abortedError(ctx, err);
    throw err;
  }
}

function parseUrl(value: string, what: string): URL {
  try {
    return new URL(value);
  } catch {
    throw new UsageError(`Invalid ${what} "${value}": give an absolute http(s) URL.`, 'E_URL');
  }
}

function resolveUrl(entry: RegistryEntry, opts: FetchOptions): URL {
  if (opts.fetchUrl !== undefined) return parseUrl(opts.fetchUrl, 'download URL');
  const original = parseUrl(entry.url, `URL for model ${entry.name}`);
  if (opts.baseUrl === undefined) return original;
  const base = parseUrl(opts.baseUrl, 'base URL');
  const prefix = base.pathname.replace(/\/+$/, '');
  return new URL(`${prefix}${original.pathname}${original.search}`, base.origin);
}

async function fileSize(p: string): Promise<number> {
  try {
    return (await stat(p)).size;
  } catch {
    return 0;
  }
}

/** An already-installed file that passes what checks the registry allows, or null. */
async function installedCopy(ctx: Ctx): Promise<FetchResult | null> {
  const { entry, finalPath } = ctx;
  let size: number;
  try {
    const s = await stat(finalPath);
    if (!s.isFile()) return null;
    size = s.size;
  } catch {
    return null;
  }
  if (entry.bytes !== null && size !== entry.bytes) return null;
  const actual = await sha256File(finalPath, ctx.opts.signal ? { signal: ctx.opts.signal } : {});
  // A file that fails its checksum is downloaded again and replaced only once the new one verifies.
  if (entry.sha256 !== null && actual !== entry.sha256) return null;
  return {
    name: entry.name,
    path: finalPath,
    bytes: size,
    sha256: actual,
    verified: entry.sha256 !== null,
    status: 'already-present',
    resumedFrom: 0,
    attempts: 0,
  };
}

type AttemptResult = Omit<FetchResult, 'resumedFrom' | 'attempts'>;

async function attemptDownload(ctx: Ctx, noteResume: (offset: number) => void): Promise<AttemptResult> {
  const { entry, partPath, opts } = ctx;
  const signal = opts.signal;
  let offset = await fileSize(partPath);
  if (entry.bytes !== null && offset > entry.bytes) {
    await rm(partPath, { force: true });
    offset = 0;
  }
  let hash = createHash('sha256');
  if (offset > 0) await hashFileInto(hash, partPath, { end: offset, ...(signal ? { signal } : {}) });
  if (entry.bytes !== null && offset === entry.bytes) {
    // The whole file is already here (the last run died before renaming): no request needed.
    noteResume(offset);
    return finalize(ctx, hash, offset);
  }

  const headers: Record<string, string> = { 'user-agent': USER_AGENT, 'accept-encoding': 'identity' };
  if (offset > 0) {
    headers.range = `bytes=${offset}-`;
    if (ctx.validator !== null) headers['if-range'] = ctx.validator;
  }
  const timeout = { fired: false };
  const res = await openResponse(ctx, ctx.url, headers, MAX_REDIRECTS, timeout);
  const status = res.statusCode ?? 0;

  if (status === 416) {
    res.resume();
    const total = parseContentRange(res.headers['content-range'])?.total ?? null;
    // The server says our offset is at or past the end: either the part is the whole file or it is junk.
    if (offset > 0 && (total === null || total === offset)) {
      noteResume(offset);
      return finalize(ctx, hash, offset);
    }
    await rm(partPath, { force: true });
    throw new TransientError('E_HTTP_416', `The server refused to resume ${entry.file} at byte ${offset} (${ctx.url.href}); the partial file was discarded.`);
  }
  if (status === 404 || status === 410) {
    res.resume();
    throw new ModelError(
      'E_MODEL_NOT_FOUND',
      `Download of ${entry.file} (model ${entry.name}) failed: ${ctx.url.href} answered HTTP ${status}. ` +
        `The file has moved or been withdrawn; download it by hand and place it at ${ctx.finalPath}, or pass another URL.`,
    );
  }
  if (status === 408 || status === 429 || (status >= 500 && status <= 599)) {
    res.resume();
    throw new TransientError(`E_HTTP_${status}`, `Download of ${entry.file} from ${ctx.url.href} failed with HTTP ${status}.`);
  }
  if (status !== 200 && status !== 206) {
    res.resume();
    throw new ModelError(`E_HTTP_${status}`, `Download of ${entry.file} from ${ctx.url.href} failed with HTTP ${status}. Check the URL, or download the file by hand and place it at ${ctx.finalPath}.`);
  }

  let total: number | null;
  if (status === 206) {
    const range = parseContentRange(res.headers['content-range']);
    if (range === null || range.start !== offset) {
      res.destroy();
      await rm(partPath, { force: true });
      throw new TransientError('E_RANGE_MISMATCH', `The server sent the wrong range of ${entry.file} (${String(res.headers['content-range'])}, wanted bytes ${offset}-); starting over.`);
    }
    total = range.total;
  } else {
    // A 200 to a range request means the server ignores ranges (or the file changed): start over.
    offset = 0;
    hash = createHash('sha256');
    const length = Number(res.headers['content-length']);
    total = Number.isFinite(length) && res.headers['content-length'] !== undefined ? length : null;
  }
  ctx.validator ??= validatorOf(res);
  noteResume(offset);

  if (entry.bytes !== null && total !== null && total !== entry.bytes) {
    res.destroy();
    throw new ModelError(
      'E_SIZE_MISMATCH',
      `${ctx.url.href} offers ${total} bytes but ${entry.file} should be ${entry.bytes} bytes: the URL serves a different file. ` +
        `Download the right file by hand and place it at ${ctx.finalPath}.`,
    );
  }
  const expected = entry.bytes ?? total;
  const bodyLength = status === 206 ? (total === null ? null : total - offset) : total;

  let received = offset;
  let discard = false;
  opts.onProgress?.({ received, total: expected, resumedFrom: offset });
  const fh = await open(partPath, status === 206 ? 'a' : 'w').catch((e: unknown) => {
    res.destroy();
    throw ioError(e, partPath, 'open the download file');
  });
  try {
    for await (const chunk of res as AsyncIterable<Buffer>) {
      if (expected !== null && received + chunk.length > expected) {
        res.destroy();
        discard = true;
        throw new ModelError('E_SIZE_MISMATCH', `${ctx.url.href} sent more than the ${expected} bytes expected for ${entry.file}; the partial file was deleted. Download it by hand and place it at ${ctx.finalPath}.`);
      }
      try {
        await fh.write(chunk);
      } catch (e) {
        res.destroy();
        throw ioError(e, partPath, 'write');
      }
      hash.update(chunk);
      received += chunk.length;
      opts.onProgress?.({ received, total: expected, resumedFrom: offset });
    }
    await fh.sync().catch((e: unknown) => {
      throw ioError(e, partPath, 'flush');
    });
  } catch (err) {
    if (err instanceof GpenError || signal?.aborted) throw err;
    const why = timeout.fired ? `no data for ${(opts.timeoutMs ?? 30_000) / 1000} s` : errorText(err);
    throw new TransientError(timeout.fired ? 'E_TIMEOUT' : 'E_NETWORK', `Download of ${entry.file} from ${ctx.url.href} broke off at byte ${received}: ${why}.`, err);
  } finally {
    await fh.close().catch(() => undefined);
    if (discard) await rm(partPath, { force: true });
  }
  if ((bodyLength !== null && received - offset < bodyLength) || (expected !== null && received < expected)) {
    throw new TransientError('E_TRUNCATED', `Download of ${entry.file} from ${ctx.url.href} ended early at byte ${received} of ${expected ?? '?'}.`);
  }
  return finalize(ctx, hash, received);
}

/** Checks size and checksum of the complete .part, then renames it over the final name. */
async function finalize(ctx: Ctx, hash: Hash, size: number): Promise<AttemptResult> {
  const { entry, partPath, finalPath } = ctx;
  const actual = hash.digest('hex');
  if (entry.bytes !== null && size !== entry.bytes) {
    await rm(partPath, { force: true });
    throw new ModelError('E_SIZE_MISMATCH', `${entry.file} is ${size} bytes but should be ${entry.bytes}; the download was deleted. Run: ${fetchCommand(entry.name, ctx.dir)}`);
  }
  if (entry.sha256 !== null && actual !== entry.sha256) {
    await rm(partPath, { force: true });
    throw new ModelError(
      'E_CHECKSUM',
      `Checksum mismatch for ${entry.file} (model ${entry.name}) from ${ctx.url.href}: expected sha256 ${entry.sha256}, got ${actual}. ` +
        `The download was deleted. Run \`${fetchCommand(entry.name, ctx.dir)}\` to download it again; ` +
        `if it fails the same way, the file at that URL has changed: place a copy you trust at ${finalPath}.`,
    );
  }
  try {
    await rename(partPath, finalPath);
  } catch (e) {
    throw ioError(e, finalPath, 'rename the finished download to');
  }
  return { name: entry.name, path: finalPath, bytes: size, sha256: actual, verified: entry.sha256 !== null, status: 'downloaded' };
}

/** GETs `url`, following up to `redirectsLeft` redirects; resolves once a non-redirect reply arrives. */
function openResponse(
  ctx: Ctx,
  url: URL,
  headers: Record<string, string>,
  redirectsLeft: number,
  timeout: { fired: boolean },
): Promise<IncomingMessage> {
  const lib = url.protocol === 'https:' ? https : url.protocol === 'http:' ? http : null;
  if (lib === null) {
    return Promise.reject(new ModelError('E_URL', `Cannot download ${ctx.entry.file}: unsupported URL scheme in ${url.href} (use http or https).`));
  }
  const timeoutMs = ctx.opts.timeoutMs ?? 30_000;
  return new Promise<IncomingMessage>((resolve, reject) => {
    // No keep-alive agent: a pooled socket would outlive the download for nothing.
    const req = lib.request(url, { method: 'GET', headers, agent: false, ...(ctx.opts.signal ? { signal: ctx.opts.signal } : {}) });
    req.setTimeout(timeoutMs, () => {
      timeout.fired = true;
      req.destroy(new Error(`no data for ${timeoutMs / 1000} s`));
    });
    req.on('error', (err) => {
      reject(
        ctx.opts.signal?.aborted
          ? err
          : new TransientError(
              timeout.fired ? 'E_TIMEOUT' : 'E_NETWORK',
              `Cannot download ${ctx.entry.file} from ${url.href}: ${errorText(err)}.`,
              err,
            ),
      );
    });
    req.on('response', (res) => {
      // Errors after this point surface through the body iterator; never as an unhandled 'error' event.
      res.on('error', () => undefined);
      const status = res.statusCode ?? 0;
      const location = res.headers.location;
      if (status >= 300 && status < 400 && status !== 304 && location !== undefined) {
        res.resume();
        if (redirectsLeft === 0) {
          reject(new ModelError('E_TOO_MANY_REDIRECTS', `Download of ${ctx.entry.file} from ${ctx.url.href} redirected more than ${MAX_REDIRECTS} times.`));
          return;
        }
        let next: URL;
        try {
          next = new URL(location, url);
        } catch {
          reject(new ModelError('E_URL', `Download of ${ctx.entry.file}: ${url.href} redirected to an invalid URL (${location}).`));
          return;
        }
        if (url.protocol === 'https:' && next.protocol !== 'https:') {
          reject(new ModelError('E_INSECURE_REDIRECT', `Download of ${ctx.entry.file}: ${url.href} redirected to ${next.href}, which is not https; refusing.`));
          return;
        }
        openResponse(ctx, next, headers, redirectsLeft - 1, timeout).then(resolve, reject);
        return;
      }
      resolve(res);
    });
    req.end();
  });
}

function parseContentRange(value: string | undefined): { start: number | null; total: number | null } | null {
  if (value === undefined) return null;
  const m = /^bytes\s+(?:(\d+)-(\d+)|\*)\/(\d+|\*)$/i.exec(value.trim());
  if (!m) return null;
  return {
    start: m[1] === undefined ? null : Number(m[1]),
    total: m[3] === undefined || m[3] === '*' ? null : Number(m[3]),
  };
}

function validatorOf(res: IncomingMessage): string | null {
  const etag = res.headers.etag;
  // If-Range needs a strong validator.
  if (etag !== undefined && !etag.startsWith('W/')) return etag;
  return res.headers['last-modified'] ?? null;
}

function errorText(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    return code !== undefined && !err.message.includes(code) ? `${err.message} (${code})` : err.message;
  }
  return String(err);
}

function ioError(err: unknown, where: string, action: string): GpenError {
  return new GpenError('E_MODELS_DIR_IO', `Cannot ${action} ${where}: ${errorText(err)}. Check free space and permissions, or choose another directory with --models-dir.`, { cause: err });
}

function abortedError(ctx: Ctx, cause: unknown): GpenError {
  return new GpenError(
    'E_ABORTED',
    `Download of ${ctx.entry.file} was cancelled. What had arrived is kept in ${ctx.partPath}; run \`${fetchCommand(ctx.entry.name, ctx.dir)}\` to resume.`,
    { exitCode: 130, cause },
  );
}

export interface FetchModelsOptions extends Omit<FetchOptions, 'fetchUrl'> {
  /** Where progress goes (default stderr). */
  output?: NodeJS.WritableStream & { isTTY?: boolean };
  /** Bars (true) or a line per 10% (false); defaults to whether `output` is a TTY. */
  tty?: boolean;
}

/**
 * Fetches several models one after another with progress on `output`. Every name is checked
 * before the first byte moves; the first failure stops the run (finished files stay installed).
 */
export async function fetchModels(
  models: ReadonlyArray<string | RegistryEntry>,
  dir: string | ResolvedModelsDir,
  opts: FetchModelsOptions = {},
): Promise<FetchResult[]> {
  const entries: RegistryEntry[] = [];
  for (const m of models) {
    const e = typeof m === 'string' ? getModel(m) : m;
    if (!entries.some((x) => x.name === e.name)) entries.push(e);
  }
  const { output, tty, onProgress, ...fetchOpts } = opts;
  const reporter = createProgressReporter({ ...(output ? { stream: output } : {}), ...(tty === undefined ? {} : { tty }) });
  const results: FetchResult[] = [];
  try {
    for (const entry of entries) {
      reporter.begin(entry.name, entry.file);
      try {
        const r = await fetchModel(entry, dir, {
          ...fetchOpts,
          onProgress: (p) => {
            reporter.update(entry.name, p);
            onProgress?.(p);
          },
        });
        reporter.end(entry.name, r);
        results.push(r);
      } catch (err) {
        reporter.fail(entry.name, err);
        throw err;
      }
    }
  } finally {
    reporter.stop();
  }
  return results;
}
