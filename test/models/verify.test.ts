import { createHash } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { getModel, type RegistryEntry } from '../../src/models/registry.ts';
import { hashFileInto, sha256File } from '../../src/models/sha256.ts';
import { verifyModels } from '../../src/models/verify.ts';
import { describeShared, sharedPath } from '../helpers/shared.ts';

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

function entry(name: string, file: string, content: string | null, bytes: number | null = null): RegistryEntry {
  return {
    ...getModel('gpen-bfr-512'),
    name,
    file,
    sha256: content === null ? null : sha(content),
    bytes,
    url: `https://example.invalid/${file}`,
  };
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'gpen-verify-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('sha256File', () => {
  it('hashes a file larger than one read chunk', async () => {
    const data = Buffer.alloc(3 * 1024 * 1024 + 17);
    for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761) >>> 24;
    const f = path.join(dir, 'big.bin');
    await writeFile(f, data);
    expect(await sha256File(f)).toBe(sha(data));
  });

  it('hashes a prefix when asked, and an empty file', async () => {
    const f = path.join(dir, 'p.bin');
    await writeFile(f, 'hello world');
    const h = createHash('sha256');
    expect(await hashFileInto(h, f, { end: 5 })).toBe(5);
    expect(h.digest('hex')).toBe(sha('hello'));
    const h0 = createHash('sha256');
    expect(await hashFileInto(h0, f, { end: 0 })).toBe(0);
    await writeFile(path.join(dir, 'empty'), '');
    expect(await sha256File(path.join(dir, 'empty'))).toBe(sha(''));
  });

  it('stops when aborted', async () => {
    const f = path.join(dir, 'a.bin');
    await writeFile(f, 'abc');
    await expect(sha256File(f, { signal: AbortSignal.abort() })).rejects.toThrow(/abort/i);
  });
});

describe('verifyModels', () => {
  it('reports ok, mismatch, unknown-checksum, partial and unregistered files', async () => {
    const entries = [
      entry('good', 'good.onnx', 'good bytes'),
      entry('bad', 'bad.onnx', 'expected bytes'),
      entry('nosum', 'nosum.pth', null),
      entry('sized', 'sized.pth', null, 999),
      entry('absent', 'absent.onnx', 'whatever'),
      entry('half', 'half.onnx', 'whatever'),
    ];
    await writeFile(path.join(dir, 'good.onnx'), 'good bytes');
    await writeFile(path.join(dir, 'bad.onnx'), 'other bytes');
    await writeFile(path.join(dir, 'nosum.pth'), 'some weights');
    await writeFile(path.join(dir, 'sized.pth'), 'short');
    await writeFile(path.join(dir, 'half.onnx.part'), 'what');
    await writeFile(path.join(dir, 'zzz-extra.onnx'), 'mine');
    await writeFile(path.join(dir, '.DS_Store'), 'clutter');
    await mkdir(path.join(dir, 'subdir'));

    const rows = await verifyModels(dir, { entries });
    expect(rows).toEqual([
      { name: 'good', file: 'good.onnx', bytes: 10, expectedBytes: null, expected: sha('good bytes'), actual: sha('good bytes'), status: 'ok' },
      { name: 'bad', file: 'bad.onnx', bytes: 11, expectedBytes: null, expected: sha('expected bytes'), actual: sha('other bytes'), status: 'mismatch' },
      { name: 'nosum', file: 'nosum.pth', bytes: 12, expectedBytes: null, expected: null, actual: sha('some weights'), status: 'unknown-checksum' },
      { name: 'sized', file: 'sized.pth', bytes: 5, expectedBytes: 999, expected: null, actual: sha('short'), status: 'mismatch' },
      { name: 'half', file: 'half.onnx.part', bytes: 4, expectedBytes: null, expected: sha('whatever'), actual: null, status: 'partial' },
      { name: null, file: 'zzz-extra.onnx', bytes: 4, expectedBytes: null, expected: null, actual: sha('mine'), status: 'unregistered' },
    ]);
  });

  it('checks against the built-in registry by default', async () => {
    await writeFile(path.join(dir, 'GPEN-BFR-512.pth'), 'not really a checkpoint');
    await writeFile(path.join(dir, 'gpen_bfr_512.onnx'), 'truncated');
    const rows = await verifyModels(dir);
    expect(rows.map((r) => [r.name, r.status])).toEqual([
      ['gpen-bfr-512', 'unknown-checksum'],
      ['gpen-bfr-512-onnx', 'mismatch'],
    ]);
  });

  it('returns nothing for a directory that does not exist', async () => {
    expect(await verifyModels(path.join(dir, 'missing'))).toEqual([]);
  });
});

describeShared('verifyModels on the shared YuNet file', () => {
  it('matches the registry checksum', async () => {
    await copyFile(sharedPath('models', 'face_detection_yunet_2026may.onnx'), path.join(dir, 'face_detection_yunet_2026may.onnx'));
    const rows = await verifyModels(dir);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ name: 'yunet', status: 'ok', bytes: 229738 });
  });
});
