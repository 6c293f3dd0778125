import { copyFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isModelPath, resolveRestorerModel } from '../../src/models/resolve.ts';
import { buildTestModel } from '../../src/models/test-models.ts';
import { describeShared, sharedPath } from '../helpers/shared.ts';
import { tempDir } from '../helpers/tmp.ts';

const dir = tempDir();
const modelsDir = { dir: path.join(dir, 'models'), source: 'cli' as const };

describe('resolveRestorerModel', () => {
  it('tells paths from registry names', () => {
    expect(isModelPath('gpen-bfr-512')).toBe(false);
    expect(isModelPath('./m.onnx')).toBe(true);
    expect(isModelPath('weights.pth')).toBe(true);
  });

  it('returns an .onnx path as is', async () => {
    const file = path.join(dir, 'id.onnx');
    writeFileSync(file, buildTestModel('identity', 16));
    expect(await resolveRestorerModel(file, modelsDir)).toMatchObject({ onnxPath: file, origin: 'onnx', entry: null });
  });

  it('a missing registry model names the model, the directory and the fetch command (exit 3)', async () => {
    await expect(resolveRestorerModel('gpen-bfr-512', modelsDir)).rejects.toMatchObject({
      exitCode: 3,
      message: expect.stringMatching(new RegExp(`gpen-bfr-512.*${modelsDir.dir}.*npx gpen-video models fetch gpen-bfr-512 --models-dir`)),
    });
  });

  it('a missing model path is exit 3 too', async () => {
    await expect(resolveRestorerModel(path.join(dir, 'nope.onnx'), modelsDir)).rejects.toMatchObject({ exitCode: 3 });
  });
});

describeShared('resolveRestorerModel with a checkpoint', () => {
  it('converts a .pth once and reuses the conversion by content hash, whatever the file name', async () => {
    const a = path.join(dir, 'a.pth');
    const b = path.join(dir, 'b.pth');
    copyFileSync(sharedPath('golden/gpen-tiny-64/weights.pth'), a);
    copyFileSync(sharedPath('golden/gpen-tiny-64/weights.pth'), b);
    const first = await resolveRestorerModel(a, modelsDir);
    expect(first.origin).toBe('converted');
    expect(path.dirname(first.onnxPath)).toBe(path.join(modelsDir.dir, 'converted'));
    const again = await resolveRestorerModel(a, modelsDir);
    expect(again).toMatchObject({ origin: 'converted-cached', onnxPath: first.onnxPath });
    expect(await resolveRestorerModel(b, modelsDir)).toMatchObject({ origin: 'converted-cached', onnxPath: first.onnxPath });
    const fp16 = await resolveRestorerModel(b, modelsDir, { precision: 'float16' });
    expect(fp16.origin).toBe('converted');
    expect(fp16.onnxPath).not.toBe(first.onnxPath);
    const half = await resolveRestorerModel(b, modelsDir, { precision: 'half' });
    expect(half.origin).toBe('converted');
    expect([first.onnxPath, fp16.onnxPath]).not.toContain(half.onnxPath);
    expect(await resolveRestorerModel(a, modelsDir, { precision: 'half' })).toMatchObject({ origin: 'converted-cached', onnxPath: half.onnxPath });
  });
});
