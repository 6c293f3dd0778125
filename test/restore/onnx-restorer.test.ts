import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeRandomGpen } from '../../src/models/convert.ts';
import { buildTestModel } from '../../src/models/test-models.ts';
import type { Affine } from '../../src/restore/affine.ts';
import { warpToCrop } from '../../src/restore/warp.ts';
import { OnnxRestorer } from '../../src/restore/index.ts';
import { warpOnCaller } from '../../src/restore/onnx-restorer.ts';
import { GraphBuilder } from '../../src/models/onnx/graph-builder.ts';
import { tempDir } from '../helpers/tmp.ts';

const dir = tempDir();
const S = 16;
const crop = (seed: number) => Uint8Array.from({ length: S * S * 3 }, (_, i) => (i * 7 + seed * 31) % 256);

function model(name: string, bytes: Uint8Array): string {
  const file = path.join(dir, name);
  writeFileSync(file, bytes);
  return file;
}

describe('OnnxRestorer (worker threads)', () => {
  it('round-trips crops through the identity model bit-exactly, several per call', async () => {
    const r = await OnnxRestorer.create({ modelPath: model('id.onnx', buildTestModel('identity', S)), batch: 4 });
    try {
      expect(r.info).toMatchObject({ size: S, maxBatch: 4, inputName: 'input', outputName: 'output', provider: 'cpu' });
      const crops = [crop(1), crop(2), crop(3)];
      const out = await r.restore(crops);
      expect(out).toHaveLength(3);
      out.forEach((o, i) => expect(Buffer.from(o).equals(Buffer.from(crops[i]!))).toBe(true));
      expect(r.inferMs).toBeGreaterThan(0);
      expect(r.calls).toBe(1);
    } finally {
      await r.close();
    }
  });

  it('coalesces requests queued behind a busy worker into one call, results back in order', async () => {
    const r = await OnnxRestorer.create({ modelPath: model('id4.onnx', buildTestModel('identity', S)), batch: 4 });
    try {
      const frames = [[crop(1)], [crop(2), crop(3)], [crop(4)]];
      const outs = await Promise.all(frames.map((f) => r.restore(f)));
      expect(r.calls).toBe(2);
      outs.forEach((o, i) => o.forEach((c, j) => expect(Buffer.from(c).equals(Buffer.from(frames[i]![j]!))).toBe(true)));
    } finally {
      await r.close();
    }
  });

  it('reads size, batch and I/O names from a community-style export (batch 1, other names)', async () => {
    const file = model('community.onnx', buildTestModel('identity', S, 0, { batch: 1, inputName: 'in_img', outputName: 'out_img' }));
    const r = await OnnxRestorer.create({ modelPath: file, workers: 2 });
    try {
      expect(r.info).toMatchObject({ size: S, maxBatch: 1, inputName: 'in_img', outputName: 'out_img', workers: 2 });
      const crops = [crop(4), crop(5), crop(6), crop(7), crop(8)];
      const out = await r.restore(crops);
      out.forEach((o, i) => expect(Buffer.from(o).equals(Buffer.from(crops[i]!))).toBe(true));
    } finally {
      await r.close();
    }
  });

  it('falls back to the CPU with one clear message when the GPU provider is missing', async () => {
    const messages: string[] = [];
    const r = await OnnxRestorer.create({ modelPath: model('id2.onnx', buildTestModel('identity', S)), device: 'cuda', onFallback: (m) => messages.push(m) });
    try {
      expect(r.info.provider).toBe('cpu');
      expect(messages).toHaveLength(1);
      expect(messages[0]).toMatch(/--device cuda is not available .*running on the CPU/);
    } finally {
      await r.close();
    }
  });

  it('refuses a model whose input is not [N,3,S,S]', async () => {
    const g = new GraphBuilder('bad');
    g.op('Identity', [g.input('x', [1, 4, S, S])], {}, 'y');
    g.output('y', [1, 4, S, S]);
    await expect(OnnxRestorer.create({ modelPath: model('bad.onnx', g.toBytes()) })).rejects.toMatchObject({ code: 'E_MODEL_IO', message: expect.stringMatching(/expected \[N,3,S,S\]/) });
  });

  it('rejects a missing model file with the model error code', async () => {
    await expect(OnnxRestorer.create({ modelPath: path.join(dir, 'nope.onnx') })).rejects.toMatchObject({ code: 'E_MODEL_LOAD' });
  });

  it('gives a busy worker its next call ahead (batch 1), results back in order', async () => {
    const r = await OnnxRestorer.create({ modelPath: model('id1.onnx', buildTestModel('identity', S, 0, { batch: 1 })) });
    try {
      const frames = [crop(1), crop(2), crop(3), crop(4)];
      const outs = await Promise.all(frames.map((f) => r.restore([f])));
      // the second call was posted while the first ran, and each later one while the one before ran
      expect(r.sentAhead).toBeGreaterThanOrEqual(1);
      expect(r.calls).toBe(4);
      outs.forEach((o, i) => expect(Buffer.from(o[0]!).equals(Buffer.from(frames[i]!))).toBe(true));
    } finally {
      await r.close();
    }
  });

  it('on close, a worker skips the calls still waiting in its queue', async () => {
    const file = path.join(dir, 'gpen-close.onnx');
    await writeRandomGpen(file, { size: 64, narrow: 0.125, styleDim: 64, nMlp: 2, seed: 3 });
    const r = await OnnxRestorer.create({ modelPath: file, threads: 1 });
    const crops = [1, 2, 3].map(() => Uint8Array.from({ length: 64 * 64 * 3 }, (_, i) => i % 251));
    const pending = crops.map((c) => r.restore([c]));
    pending.forEach((p) => p.catch(() => {}));
    await r.close();
    await expect(pending[1]).rejects.toMatchObject({ code: 'E_CLOSED' });
    // at most the call already running when close() was called finished; the one queued behind it did not run
    expect(r.calls).toBeLessThan(2);
  });

  it('stops waiting when the signal aborts', async () => {
    const r = await OnnxRestorer.create({ modelPath: model('id3.onnx', buildTestModel('identity', S)) });
    try {
      const ac = new AbortController();
      ac.abort(new Error('stop'));
      await expect(r.restore([crop(1)], ac.signal)).rejects.toThrow('stop');
    } finally {
      await r.close();
    }
  });
});

describe('OnnxRestorer.restoreFaces: where the warp runs', () => {
  it('warps on the calling thread only while every worker is busy with a model far slower than the warp', () => {
    const slow = { allBusy: true, inferMs: 1600, crops: 1, warpMs: 40, warps: 1 };
    expect(warpOnCaller(slow)).toBe(true);
    expect(warpOnCaller({ ...slow, allBusy: false })).toBe(false);
    expect(warpOnCaller({ ...slow, inferMs: 120 })).toBe(false); // a model only 3× the warp: the workers keep warping
    expect(warpOnCaller({ ...slow, crops: 0, inferMs: 0 })).toBe(false); // nothing measured yet
    expect(warpOnCaller({ ...slow, warps: 0, warpMs: 0 })).toBe(false);
  });

  it('warps on the calling thread while the worker is busy with a slow model, with the same crops and faces', async () => {
    const S = 64;
    const file = path.join(dir, 'gpen-small.onnx');
    await writeRandomGpen(file, { size: S, narrow: 0.125, styleDim: 64, nMlp: 2, seed: 5 });
    const frame = { width: 160, height: 120, data: Uint8Array.from({ length: 160 * 120 * 3 }, (_, i) => (i * 29 + (i >> 7)) % 256) };
    // a face turned by 0.2 rad and shrunk a little into the crop, moving between frames
    const toCrop = (k: number): Affine => [0.9 * Math.cos(0.2), 0.9 * Math.sin(0.2), -40 - k, -0.9 * Math.sin(0.2), 0.9 * Math.cos(0.2), -20 + k];
    // ratio 0: whenever the worker is busy (how slow a model must be is warpOnCaller's test)
    const r = await OnnxRestorer.create({ modelPath: file, threads: 1, warpHereRatio: 0 });
    try {
      // one at a time: the worker is never busy when asked, so it warps (and learns how long a warp takes)
      for (let k = 0; k < 4; k++) await r.restoreFaces(frame, [toCrop(0)]);
      expect(r.callerWarps).toBe(0);
      const outs = await Promise.all([1, 2, 3, 4, 5].map((k) => r.restoreFaces(frame, [toCrop(k)])));
      expect(r.callerWarps).toBeGreaterThanOrEqual(3);
      const direct = await r.restore(outs.map((_, i) => warpToCrop(frame, toCrop(i + 1), S)));
      outs.forEach((o, i) => {
        expect(Buffer.from(o.inputs[0]!).equals(Buffer.from(warpToCrop(frame, toCrop(i + 1), S)))).toBe(true);
        expect(Buffer.from(o.restored[0]!).equals(Buffer.from(direct[i]!))).toBe(true);
      });
    } finally {
      await r.close();
    }
  });
});
