import type { Worker } from 'node:worker_threads';
import { GpenError } from '../errors.ts';
import { spawnWorker } from '../runtime/spawn-worker.ts';
import { addStage } from '../runtime/stage-clock.ts';
import { waitReady } from '../runtime/wait-ready.ts';
import { PostProcessor } from './post-process.ts';
import type { PostInit, PostReply, PostRequest } from './post-protocol.ts';
import type { RgbRect } from './worker-protocol.ts';

export interface PostResult {
  /** the frame rectangle sent, with the faces pasted in */
  frame: RgbRect | null;
  blendMs: number;
  pasteMs: number;
}

interface Waiting {
  resolve: (r: PostResult) => void;
  reject: (e: unknown) => void;
}

/** Transferable buffers of `arrays`, each once; views that do not own their whole buffer are copied instead. */
function transferList(arrays: Uint8Array[]): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  for (const a of arrays) {
    const b = a.buffer;
    if (b instanceof ArrayBuffer && a.byteOffset === 0 && a.byteLength === b.byteLength) out.add(b);
  }
  return [...out];
}

/**
 * The temporal blend and the paste (post-process.ts), in a worker thread (post-worker.ts) or inline:
 * frames are sent in frame order and processed in that order, so the blend sees exactly the same
 * sequence either way.
 * The crops and the frame rectangle are transferred (the caller gives them up); the rectangle comes
 * back with the reply.
 */
export class PostStage {
  private readonly waiting = new Map<number, Waiting>();
  private nextId = 0;
  private broken: unknown = null;

  private constructor(
    private readonly worker: Worker | null,
    private readonly inline: PostProcessor | null,
  ) {
    if (!worker) return;
    worker.on('message', (msg: PostReply) => {
      if (msg.type === 'ready' || msg.id === null) return;
      const w = this.waiting.get(msg.id);
      if (!w) return;
      this.waiting.delete(msg.id);
      if (msg.type === 'done') {
        addStage('blend', msg.blendMs, msg.cpu.blend);
        addStage('paste', msg.pasteMs, msg.cpu.paste);
        w.resolve({ frame: msg.frame, blendMs: msg.blendMs, pasteMs: msg.pasteMs });
      } else w.reject(new GpenError(msg.code, `pasting restored faces failed: ${msg.message}`, { exitCode: 1 }));
    });
    worker.on('error', (e) => this.fail(e));
    worker.on('exit', (code) => this.fail(new GpenError('E_POST_EXIT', `the paste worker thread stopped (exit code ${code})`, { exitCode: 1 })));
  }

  /** `inline`: blend and paste on the calling thread instead, synchronously inside process(). */
  static async create(init: PostInit, options: { inline?: boolean } = {}): Promise<PostStage> {
    if (options.inline) return new PostStage(null, new PostProcessor(init));
    const worker = spawnWorker(new URL('./post-worker.ts', import.meta.url), { ...init });
    try {
      await waitReady(worker);
    } catch (e) {
      await worker.terminate();
      throw e;
    }
    return new PostStage(worker, null);
  }

  /** Sends one frame now; resolves once its faces are blended and pasted. */
  process(req: Omit<PostRequest, 'type' | 'id'>): Promise<PostResult> {
    if (this.broken) return Promise.reject(this.broken);
    if (this.inline) {
      try {
        const t = this.inline.process(req);
        addStage('blend', t.blendMs, t.cpu.blend);
        addStage('paste', t.pasteMs, t.cpu.paste);
        return Promise.resolve({ frame: req.frame, blendMs: t.blendMs, pasteMs: t.pasteMs });
      } catch (e) {
        return Promise.reject(e);
      }
    }
    const worker = this.worker!;
    const id = ++this.nextId;
    const msg: PostRequest = { type: 'frame', id, ...req };
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      worker.postMessage(msg, transferList([...req.faces.flatMap((f) => [f.input, f.restored]), ...(req.frame ? [req.frame.data] : [])]));
    });
  }

  async close(): Promise<void> {
    this.fail(new GpenError('E_CLOSED', 'the paste stage closed while frames were pending', { exitCode: 1 }));
    await this.worker?.terminate();
  }

  private fail(e: unknown): void {
    this.broken ??= e;
    for (const w of this.waiting.values()) w.reject(e);
    this.waiting.clear();
  }
}
