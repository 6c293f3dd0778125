import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { describeShared, projectRoot, sharedPath } from '../helpers/shared.ts';
import { readF32, relativeL2 } from '../helpers/tensors.ts';
import { tempDir } from '../helpers/tmp.ts';
import { runCli } from './run-cli.ts';

const dir = tempDir();

describeShared('gpen-video models convert', () => {
  it('writes a model that reproduces the official output within 1e-4', async () => {
    const out = path.join(dir, 'g.onnx');
    const r = runCli(['models', 'convert', sharedPath('golden/gpen-small-128/weights.pth'), '-o', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/GPEN 128×128, channel_multiplier 1, narrow 0.25/);
    const s = await ort.InferenceSession.create(out);
    const y = (await s.run({ input: new ort.Tensor('float32', readF32(sharedPath('golden/gpen-small-128/input.f32')), [1, 3, 128, 128]) })).output!;
    expect(relativeL2(y.data as Float32Array, readF32(sharedPath('golden/gpen-small-128/output.f32')))).toBeLessThanOrEqual(1e-4);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('--half: float16 arithmetic, float32 inputs and outputs, within 1e-3 of the official output', async () => {
    const out = path.join(dir, 'g-half.onnx');
    const r = runCli(['models', 'convert', sharedPath('golden/gpen-small-128/weights.pth'), '-o', out, '--half']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/float16 weights and arithmetic \(float32 inputs and outputs\)/);
    const s = await ort.InferenceSession.create(out);
    expect(s.inputMetadata[0]).toMatchObject({ type: 'float32' });
    const y = (await s.run({ input: new ort.Tensor('float32', readF32(sharedPath('golden/gpen-small-128/input.f32')), [1, 3, 128, 128]) })).output!;
    expect(y.type).toBe('float32');
    expect(relativeL2(y.data as Float32Array, readF32(sharedPath('golden/gpen-small-128/output.f32')))).toBeLessThanOrEqual(1e-3);
  });
});

describe('gpen-video models', () => {
  it('convert: a missing checkpoint exits 3, a file that is not one exits 2; one line, no output', () => {
    const out = path.join(dir, 'x.onnx');
    const missing = runCli(['models', 'convert', path.join(dir, 'does-not-exist.pth'), '-o', out]);
    expect(missing.code).toBe(3);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).toMatch(/does-not-exist\.pth/);
    const notZip = runCli(['models', 'convert', path.join(projectRoot, 'package.json'), '-o', out]);
    expect(notZip.code).toBe(2);
    expect(notZip.stderr).toMatch(/package\.json is not a zip archive/);
    expect(existsSync(out)).toBe(false);
  });

  it('list: every known model with install state and licence', () => {
    const r = runCli(['models', 'list', '--models-dir', dir]);
    expect(r.code).toBe(0);
    for (const name of ['gpen-bfr-256', 'gpen-bfr-512', 'gpen-bfr-1024', 'gpen-bfr-2048', 'gpen-bfr-512-onnx', 'yunet']) expect(r.stdout).toContain(name);
    expect(r.stdout).toContain(`models directory: ${dir} (cli)`);
    expect(r.stdout).toMatch(/non-commercial/);
    const json = JSON.parse(runCli(['models', 'list', '--json'], { GPEN_VIDEO_MODELS: dir }).stdout);
    expect(json.source).toBe('env');
    expect(json.models.every((m: { installed: unknown }) => m.installed === null)).toBe(true);
  });

  it('build-random writes a labelled random-weight GPEN model that runs', async () => {
    const out = path.join(dir, 'r32.onnx');
    const r = runCli(['models', 'build-random', '--size', '32', '--narrow', '0.125', '-o', out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/RANDOM-weight GPEN 32×32/);
    const s = await ort.InferenceSession.create(out);
    expect(s.inputMetadata[0]).toMatchObject({ shape: ['batch', 3, 32, 32] });
  });

  it('build-test writes identity and noisy restorers; bad arguments exit 2', () => {
    expect(runCli(['models', 'build-test', 'noisy', '--size', '16', '--sigma', '0.2', '-o', path.join(dir, 'n.onnx')]).code).toBe(0);
    expect(existsSync(path.join(dir, 'n.onnx'))).toBe(true);
    const bad = runCli(['models', 'build-test', 'blurry', '--size', '16', '-o', path.join(dir, 'b.onnx')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/Allowed choices are identity, noisy/);
    expect(runCli(['models', 'build-random', '--size', '100', '-o', path.join(dir, 'r.onnx')]).code).toBe(2);
  });

  it('fetch of a name nobody knows exits 2 and lists the known names', () => {
    const r = runCli(['models', 'fetch', 'gpen-bfr-9000', '--models-dir', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/gpen-bfr-512/);
  });
});
