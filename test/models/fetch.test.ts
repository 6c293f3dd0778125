import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GpenError, ModelError, TransientError } from '../../src/errors.ts';
import { fetchModel, fetchModels, type FetchProgress } from '../../src/models/fetch.ts';
import type { RegistryEntry } from '../../src/models/registry.ts';

/** Deterministic pseudo-random bytes (xorshift32), so every run serves the same file. */
function makeData(bytes: number, seed = 0x9e3779b9): Buffer {
  const out = Buffer.alloc(bytes);
  let x = seed >>> 0;
  for (let i = 0; i < bytes; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

const DATA = makeData(3 * 1024 * 1024);
const DATA_SHA = createHash('sha256').update(DATA).digest('hex');
const ETAG = `"${DATA_SHA.slice(0, 16)}"`;

type Route =
  | { kind: 'file'; body: Buffer; dropAfter?: number; ignoreRange?: boolean }
  | { kind: 'stall'; body: Buffer; sendFirst: number }
  | { kind: 'status'; code: number }
  | { kind: 'redirect'; to: string };

interface Seen {
  path: string;
  range: string | undefined;
  ifRange: string | undefined;
}

interface TestServer {
  origin: string;
  seen: Seen[];
  close(): Promise<void>;
}

/**
 * A 127.0.0.1 server with Range support. It answers at most `maxRequests` requests, then closes
 * itself; an unref'd timer closes it too, so a broken test cannot leave it running.
 */
async function startServer(routes: Record<string, Route>, maxRequests = 20): Promise<TestServer> {
  const seen: Seen[] = [];
  const dropped = new Set<string>();
  const server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    const ifRange = req.headers['if-range'];
    seen.push({ path: url, range: req.headers.range, ifRange: Array.isArray(ifRange) ? ifRange.join(',') : ifRange });
    if (seen.length >= maxRequests) server.close();
    const route = routes[url];
    if (!route) {
      res.writeHead(404).end();
      return;
    }
    if (route.kind === 'status') {
      res.writeHead(route.code).end();
      return;
    }
    if (route.kind === 'redirect') {
      res.writeHead(302, { location: route.to }).end();
      return;
    }
    if (route.kind === 'stall') {
      res.writeHead(200, { 'content-length': route.body.length });
      res.write(route.body.subarray(0, route.sendFirst));
      return; // never finishes: the client has to give up or abort
    }
    const body = route.body;
    let start = 0;
    const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    if (m && !route.ignoreRange) {
      start = Number(m[1]);
      if (start >= body.length) {
        res.writeHead(416, { 'content-range': `bytes */${body.length}` }).end();
        return;
      }
      res.writeHead(206, {
        'content-range': `bytes ${start}-${body.length - 1}/${body.length}`,
        'content-length': body.length - start,
        etag: ETAG,
      });
    } else {
      res.writeHead(200, { 'content-length': body.length, etag: ETAG, 'accept-ranges': 'bytes' });
    }
    const rest = body.subarray(start);
    if (route.dropAfter !== undefined && !dropped.has(url)) {
      dropped.add(url);
      // Cut the connection once the first dropAfter bytes have reached the kernel.
      res.write(rest.subarray(0, route.dropAfter), () => req.socket.destroy());
      return;
    }
    res.end(rest);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const safety = setTimeout(() => {
    server.closeAllConnections();
    server.close();
  }, 60_000);
  safety.unref();
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        clearTimeout(safety);
        server.closeAllConnections();
        server.close(() => resolve());
        if (!server.listening) resolve();
      }),
  };
}

function entryFor(url: string, over: Partial<RegistryEntry> = {}): RegistryEntry {
  return {
    name: 'test-model',
    kind: 'restorer',
    format: 'onnx',
    file: 'test_model.onnx',
    bytes: DATA.length,
    sha256: DATA_SHA,
    licence: 'test data',
    url,
    size: 64,
    architecture: null,
    tensors: { input: 'input', outputs: ['output'], color: 'rgb', range: '[-1,1]', layout: 'NCHW' },
    alignment: 'ffhq',
    description: 'synthetic entry served by the test server',
    ...over,
  };
}

const fast = { retryDelayMs: 1, timeoutMs: 10_000 };

let dir: string;
let server: TestServer | null = null;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'gpen-fetch-'));
});

afterEach(async () => {
  await server?.close();
  server = null;
  await rm(dir, { recursive: true, force: true });
});

async function rejection(p: Promise<unknown>): Promise<GpenError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(GpenError);
  return err as GpenError;
}

describe('fetchModel', () => {
  it('downloads through .part, checks sha256 and renames into place', async () => {
    server = await startServer({ '/m.onnx': { kind: 'file', body: DATA } });
    const entry = entryFor(`${server.origin}/m.onnx`);
    const finalPath = path.join(dir, entry.file);
    let duringDownload = 0;
    const result = await fetchModel(entry, dir, {
      ...fast,
      onProgress: (p) => {
        if (p.received > 0 && p.received < DATA.length) {
          // Mid-download the bytes live only in the .part file.
          expect(existsSync(finalPath)).toBe(false);
          expect(existsSync(`${finalPath}.part`)).toBe(true);
          duringDownload++;
        }
      },
    });
    expect(duringDownload).toBeGreaterThan(0);
    expect(result).toMatchObject({
      name: 'test-model',
      path: finalPath,
      bytes: DATA.length,
      sha256: DATA_SHA,
      verified: true,
      status: 'downloaded',
      resumedFrom: 0,
      attempts: 1,
    });
    expect((await readFile(finalPath)).equals(DATA)).toBe(true);
    expect(await readdir(dir)).toEqual([entry.file]);
    expect(server.seen).toHaveLength(1);
    expect(server.seen[0]?.range).toBeUndefined();
  });

  it('returns an installed, verified file without a request', async () => {
    server = await startServer({ '/m.onnx': { kind: 'file', body: DATA } });
    const entry = entryFor(`${server.origin}/m.onnx`);
    await writeFile(path.join(dir, entry.file), DATA);
    const result = await fetchModel(entry, dir, fast);
    expect(result.status).toBe('already-present');
    expect(result.verified).toBe(true);
    expect(server.seen).toHaveLength(0);
  });

  it('replaces an installed file whose checksum is wrong', async () => {
    server = await startServer({ '/m.onnx': { kind: 'file', body: DATA } });
    const entry = entryFor(`${server.origin}/m.onnx`);
    const corrupt = Buffer.from(DATA);
    corrupt[1234] = (corrupt[1234] ?? 0) ^ 0xff;
    await writeFile(path.join(dir, entry.file), corrupt);
    const result = await fetchModel(entry, dir, fast);
    expect(result.status).toBe('downloaded');
    expect((await readFile(result.path)).equals(DATA)).toBe(true);
  });

  it('deletes the download and throws E_CHECKSUM on a sha256 mismatch', async () => {
    server = await startServer({ '/m.onnx': { kind: 'file', body: DATA } });
    const wrong = 'ab'.repeat(32);
    const entry = entryFor(`${server.origin}/m.onnx`, { sha256: wrong });
    const err = await rejection(fetchModel(entry, dir, fast));
    expect(err).toBeInstanceOf(ModelError);
    expect(err.code).toBe('E_CHECKSUM');
    expect(err.message).toContain(entry.file);
    expect(err.message).toContain(wrong);
    expect(err.message).toContain(DATA_SHA);
    expect(err.message).toContain('npx gpen-video models fetch test-model');
    expect(await readdir(dir)).toEqual([]);
    expect(server.seen).toHaveLength(1);
  });

  it('resumes with a Range request after the connection drops mid-file', async () => {
    const cut = 1_000_000;
    server = await startServer({ '/m.onnx': { kind: 'file', body: DATA, dropAfter: cut } });
    const entry = entryFor(`${server.origin}/m.onnx`);
    const progress: FetchProgress[] = [];
    const result = await fetchModel(entry, dir, { ...fast, retries: 2, onProgress: (p) => progress.push(p) });
    // Bytes that reached the socket but not the file when it broke are fetched again, so the
    // resume point is what the first attempt wrote: at most `cut`, reported through onProgress.
    const kept = Math.max(...progress.filter((p) => p.resumedFrom === 0).map((p) => p.received));
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThanOrEqual(cut);
    expect(server.seen).toHaveLength(2);
    expect(server.seen[0]?.range).toBeUndefined();
    expect(server.seen[1]?.range).toBe(`bytes=${kept}-`);
    // The retry carries the first reply's ETag, so a changed file restarts rather than splices.
    expect(server.seen[1]?.ifRange).toBe(ETAG);
    expect(result.attempts).toBe(2);
    expect(result.sha256).toBe(DATA_SHA);
    expect((await readFile(result.path)).equals(DATA)).toBe(true);
    expect(result.resumedFrom).toBe(0);
    expect(progress.at(-1)).toEqual({ received: DATA.length, total: DATA.length, resumedFrom: kept });
  });

  it('resumes a .part left by an earlier call, hashing it first', async () => {
    const have = 1_234_567;
    server = await startServer({ '/m.onnx': { kind: 'file', body: DATA } });
    const entry = entryFor(`${server.origin}/m.onnx`);
    await writeFile(path.join(dir, `${entry.file}.part`), DATA.subarray(0, have));
    const result = await fetchModel(entry, dir, fast);
    expect(server.seen.map((s) => s.range)).toEqual([`bytes=${have}-`]);
    expect(result).toMatchObject({ resumedFrom: have, verified: true, sha256: DATA_SHA, status: 'downloaded' });
    expect((await readFile(result.path)).equals(DATA)).toBe(true);
    expect(existsSync(`${result.path}.part`)).toBe(false);
  });

  it('starts over when the server answers a range request with 200', async () => {
    server = await startServer({ '/m.onnx': { kind: 'file', body: DATA, ignoreRange: true } });
    const entry = entryFor(`${server.origin}/m.onnx`);
    // Garbage in the .part: it must be discarded, not spliced in front of the full body.
    await writeFile(path.join(dir, `${entry.file}.part`), Buffer.alloc(5000, 7));
    const result = await fetchModel(entry, dir, fast);
    expect(server.seen[0]?.range).toBe('bytes=5000-');
    expect(result.resumedFrom).toBe(0);
    expect((await readFile(result.path)).equals(DATA)).toBe(true);
  });

  it('treats a 416 on a complete .part as done and verifies it', async () => {
    server = await startServer({ '/m.onnx': { kind: 'file', body: DATA } });
    // Size unknown to the registry, so the client has to ask the server.
    const entry = entryFor(`${server.origin}/m.onnx`, { bytes: null });
    await writeFile(path.join(dir, `${entry.file}.part`), DATA);
    const result = await fetchModel(entry, dir, fast);
    expect(server.seen.map((s) => s.range)).toEqual([`bytes=${DATA.length}-`]);
    expect(result).toMatchObject({ verified: true, sha256: DATA_SHA, resumedFrom: DATA.length });
    expect(existsSync(`${result.path}.part`)).toBe(false);
  });

  it('finishes a complete .part of known size without a request', async () => {
    server = await startServer({ '/m.onnx': { kind: 'file', body: DATA } });
    const entry = entryFor(`${server.origin}/m.onnx`);
    await writeFile(path.join(dir, `${entry.file}.part`), DATA);
    const result = await fetchModel(entry, dir, fast);
    expect(server.seen).toHaveLength(0);
    expect(result.sha256).toBe(DATA_SHA);
  });

  it('does not retry a 404', async () => {
    server = await startServer({});
    const entry = entryFor(`${server.origin}/gone.onnx`);
    const err = await rejection(fetchModel(entry, dir, { ...fast, retries: 3 }));
    expect(err).toBeInstanceOf(ModelError);
    expect(err.code).toBe('E_MODEL_NOT_FOUND');
    expect(err.message).toContain(`${server.origin}/gone.onnx`);
    expect(err.message).toContain('404');
    expect(server.seen).toHaveLength(1);
  });

  it('retries a 5xx, then gives up with a TransientError', async () => {
    server = await startServer({ '/m.onnx': { kind: 'status', code: 503 } });
    const entry = entryFor(`${server.origin}/m.onnx`);
    const err = await rejection(fetchModel(entry, dir, { ...fast, retries: 2 }));
    expect(err).toBeInstanceOf(TransientError);
    expect(err.code).toBe('E_HTTP_503');
    expect(err.message).toContain('3 attempts');
    expect(server.seen).toHaveLength(3);
  });

  it('gives up on a connection that is refused', async () => {
    const s = await startServer({});
    const origin = s.origin;
    await s.close();
    const entry = entryFor(`${origin}/m.onnx`);
    const err = await rejection(fetchModel(entry, dir, { ...fast, retries: 1 }));
    expect(err).toBeInstanceOf(TransientError);
    expect(err.code).toBe('E_NETWORK');
  });

  it('follows redirects, but not more than five', async () => {
    server = await startServer({
      '/r1': { kind: 'redirect', to: '/r2' },
      '/r2': { kind: 'redirect', to: '/m.onnx' },
      '/m.onnx': { kind: 'file', body: DATA },
      '/loop': { kind: 'redirect', to: '/loop' },
    });
    const ok = await fetchModel(entryFor(`${server.origin}/r1`), dir, fast);
    expect(ok.sha256).toBe(DATA_SHA);
    expect(server.seen.map((s) => s.path)).toEqual(['/r1', '/r2', '/m.onnx']);

    const err = await rejection(fetchModel(entryFor(`${server.origin}/loop`, { file: 'other.onnx' }), dir, fast));
    expect(err.code).toBe('E_TOO_MANY_REDIRECTS');
    expect(server.seen.filter((s) => s.path === '/loop')).toHaveLength(6);
  });

  it('maps the entry URL onto baseUrl, and fetchUrl replaces it', async () => {
    server = await startServer({
      '/models/x/m.onnx': { kind: 'file', body: DATA },
      '/mirror/models/x/m.onnx': { kind: 'file', body: DATA },
      '/elsewhere.bin': { kind: 'file', body: DATA },
    });
    const entry = entryFor('https://downloads.example.invalid/models/x/m.onnx');
    await fetchModel(entry, dir, { ...fast, baseUrl: server.origin });
    await fetchModel({ ...entry, file: 'b.onnx' }, dir, { ...fast, baseUrl: `${server.origin}/mirror/` });
    await fetchModel({ ...entry, file: 'c.onnx' }, dir, { ...fast, fetchUrl: `${server.origin}/elsewhere.bin` });
    expect(server.seen.map((s) => s.path)).toEqual(['/models/x/m.onnx', '/mirror/models/x/m.onnx', '/elsewhere.bin']);
  });

  it('keeps the .part when aborted, and the next call resumes from it', async () => {
    const first = 700_000;
    server = await startServer({ '/stall.onnx': { kind: 'stall', body: DATA, sendFirst: first } });
    const entry = entryFor(`${server.origin}/stall.onnx`);
    const controller = new AbortController();
    let seenBytes = 0;
    const err = await rejection(
      fetchModel(entry, dir, {
        ...fast,
        signal: controller.signal,
        onProgress: (p) => {
          seenBytes = p.received;
          if (p.received >= first) controller.abort();
        },
      }),
    );
    expect(err.code).toBe('E_ABORTED');
    expect(err.message).toContain('.part');
    const partPath = path.join(dir, `${entry.file}.part`);
    expect(statSync(partPath).size).toBe(seenBytes);
    expect(seenBytes).toBe(first);
    expect(existsSync(path.join(dir, entry.file))).toBe(false);
    expect(server.seen).toHaveLength(1);

    await server.close();
    server = await startServer({ '/stall.onnx': { kind: 'file', body: DATA } });
    const result = await fetchModel({ ...entry, url: `${server.origin}/stall.onnx` }, dir, fast);
    expect(server.seen.map((s) => s.range)).toEqual([`bytes=${first}-`]);
    expect((await readFile(result.path)).equals(DATA)).toBe(true);
  });

  it('fails an attempt whose socket goes quiet', async () => {
    server = await startServer({ '/stall.onnx': { kind: 'stall', body: DATA, sendFirst: 1000 } });
    const entry = entryFor(`${server.origin}/stall.onnx`);
    const err = await rejection(fetchModel(entry, dir, { retryDelayMs: 1, timeoutMs: 200, retries: 0 }));
    expect(err).toBeInstanceOf(TransientError);
    expect(err.code).toBe('E_TIMEOUT');
    expect(statSync(path.join(dir, `${entry.file}.part`)).size).toBe(1000);
  });

  it('rejects a server file whose size differs from the registry', async () => {
    server = await startServer({ '/m.onnx': { kind: 'file', body: DATA } });
    const entry = entryFor(`${server.origin}/m.onnx`, { bytes: DATA.length + 1 });
    const err = await rejection(fetchModel(entry, dir, fast));
    expect(err).toBeInstanceOf(ModelError);
    expect(err.code).toBe('E_SIZE_MISMATCH');
    expect(server.seen).toHaveLength(1);
  });

  it('installs a file with no published checksum, unverified', async () => {
    server = await startServer({ '/m.pth': { kind: 'file', body: DATA } });
    const entry = entryFor(`${server.origin}/m.pth`, { bytes: null, sha256: null, format: 'pth', file: 'm.pth' });
    const result = await fetchModel(entry, dir, fast);
    expect(result).toMatchObject({ verified: false, sha256: DATA_SHA, bytes: DATA.length });
  });
});

describe('fetchModels', () => {
  it('writes a line per 10% when the output is not a terminal', async () => {
    server = await startServer({ '/a.onnx': { kind: 'file', body: DATA }, '/b.pth': { kind: 'file', body: DATA } });
    const a = entryFor(`${server.origin}/a.onnx`, { name: 'model-a', file: 'a.onnx' });
    const b = entryFor(`${server.origin}/b.pth`, { name: 'model-b', file: 'b.pth', sha256: null });
    const out = new PassThrough();
    let text = '';
    out.on('data', (c: Buffer) => (text += c.toString()));
    const results = await fetchModels([a, b, a], dir, { ...fast, output: out, tty: false });
    expect(results.map((r) => r.name)).toEqual(['model-a', 'model-b']);
    const lines = text.trim().split('\n');
    const aPercents = lines.filter((l) => l.startsWith('model-a: ') && l.includes('%')).map((l) => /(\d+)%/.exec(l)?.[1]);
    expect(aPercents).toEqual(['10', '20', '30', '40', '50', '60', '70', '80', '90', '100']);
    expect(lines).toContain('model-a: fetching a.onnx');
    expect(lines.find((l) => l.startsWith('model-a: done'))).toContain('sha256 ok');
    expect(lines.find((l) => l.startsWith('model-b: done'))).toContain(`no published checksum; sha256 ${DATA_SHA}`);
  });

  it('checks every name before downloading anything', async () => {
    server = await startServer({ '/a.onnx': { kind: 'file', body: DATA } });
    const a = entryFor(`${server.origin}/a.onnx`, { name: 'model-a', file: 'a.onnx' });
    const err = await rejection(fetchModels([a, 'no-such-model'], dir, { ...fast, output: new PassThrough(), tty: false }));
    expect(err.code).toBe('E_UNKNOWN_MODEL');
    expect(server.seen).toHaveLength(0);
  });

  it('draws bars on a terminal without failing', async () => {
    server = await startServer({ '/a.onnx': { kind: 'file', body: DATA } });
    const a = entryFor(`${server.origin}/a.onnx`, { name: 'model-a', file: 'a.onnx' });
    const out = new PassThrough();
    let text = '';
    out.on('data', (c: Buffer) => (text += c.toString()));
    const [r] = await fetchModels([a], dir, { ...fast, output: out, tty: true });
    expect(r?.verified).toBe(true);
    expect(text).toContain('model-a');
    expect(text).toContain('sha256 ok');
  });
});
