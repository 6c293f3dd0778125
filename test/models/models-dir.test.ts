import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ModelMissingError, UsageError } from '../../src/errors.ts';
import { fetchCommand, locateModel, resolveModelsDir } from '../../src/models/models-dir.ts';

describe('resolveModelsDir', () => {
  const home = '/home/ada';

  it('prefers --models-dir, then GPEN_VIDEO_MODELS, then the cache dir', () => {
    const env = { GPEN_VIDEO_MODELS: '/env/models', XDG_CACHE_HOME: '/xdg' };
    expect(resolveModelsDir({ cliDir: '/cli/models', env, homedir: home, platform: 'linux' })).toEqual({ dir: '/cli/models', source: 'cli' });
    expect(resolveModelsDir({ env, homedir: home, platform: 'linux' })).toEqual({ dir: '/env/models', source: 'env' });
    expect(resolveModelsDir({ env: { XDG_CACHE_HOME: '/xdg' }, homedir: home, platform: 'linux' })).toEqual({
      dir: '/xdg/gpen-video/models',
      source: 'default',
    });
  });

  it('ignores empty settings and resolves relative ones against the working directory', () => {
    expect(resolveModelsDir({ cliDir: '', env: { GPEN_VIDEO_MODELS: '' }, homedir: home, platform: 'linux' })).toEqual({
      dir: '/home/ada/.cache/gpen-video/models',
      source: 'default',
    });
    expect(resolveModelsDir({ cliDir: 'rel/models', env: {} })).toEqual({ dir: path.resolve('rel/models'), source: 'cli' });
    expect(resolveModelsDir({ env: { GPEN_VIDEO_MODELS: 'm' } }).dir).toBe(path.resolve('m'));
  });

  it('uses each platform’s per-user cache directory', () => {
    expect(resolveModelsDir({ env: {}, homedir: home, platform: 'linux' }).dir).toBe('/home/ada/.cache/gpen-video/models');
    // A relative XDG_CACHE_HOME is invalid by the spec.
    expect(resolveModelsDir({ env: { XDG_CACHE_HOME: 'cache' }, homedir: home, platform: 'linux' }).dir).toBe(
      '/home/ada/.cache/gpen-video/models',
    );
    expect(resolveModelsDir({ env: {}, homedir: '/Users/ada', platform: 'darwin' }).dir).toBe(
      '/Users/ada/Library/Caches/gpen-video/models',
    );
    expect(
      resolveModelsDir({ env: { LOCALAPPDATA: 'C:\\Users\\ada\\AppData\\Local' }, homedir: 'C:\\Users\\ada', platform: 'win32' }).dir,
    ).toBe('C:\\Users\\ada\\AppData\\Local\\gpen-video\\models');
    expect(resolveModelsDir({ env: {}, homedir: 'C:\\Users\\ada', platform: 'win32' }).dir).toBe(
      'C:\\Users\\ada\\AppData\\Local\\gpen-video\\models',
    );
  });

  it('reads process.env and the real home directory by default', () => {
    const r = resolveModelsDir();
    expect(path.isAbsolute(r.dir)).toBe(true);
  });
});

describe('locateModel', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'gpen-models-dir-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  function missing(fn: () => unknown): ModelMissingError {
    try {
      fn();
    } catch (e) {
      expect(e).toBeInstanceOf(ModelMissingError);
      return e as ModelMissingError;
    }
    throw new Error('expected a ModelMissingError');
  }

  it('returns the absolute path of an installed model', async () => {
    await writeFile(path.join(dir, 'face_detection_yunet_2026may.onnx'), 'x');
    expect(locateModel('YuNet', dir)).toBe(path.join(dir, 'face_detection_yunet_2026may.onnx'));
    expect(locateModel('yunet', { dir, source: 'env' })).toBe(path.join(dir, 'face_detection_yunet_2026may.onnx'));
  });

  it('names the model, the directory and the fetch command when missing', () => {
    const err = missing(() => locateModel('gpen-bfr-512', { dir, source: 'default' }));
    expect(err.code).toBe('E_MODEL_MISSING');
    expect(err.exitCode).toBe(3);
    expect(err.message).toContain('gpen-bfr-512');
    expect(err.message).toContain('GPEN-BFR-512.pth');
    expect(err.message).toContain(dir);
    expect(err.message).toContain('npx gpen-video models fetch gpen-bfr-512');
    expect(err.message).not.toContain('--models-dir');
    expect(missing(() => locateModel('gpen-bfr-512', { dir, source: 'env' })).message).not.toContain('--models-dir');
  });

  it('adds --models-dir to the command when the directory came from the command line', () => {
    const err = missing(() => locateModel('yunet', { dir, source: 'cli' }));
    expect(err.message).toContain(`npx gpen-video models fetch yunet --models-dir ${dir}`);
  });

  it('quotes a directory with spaces in the command', () => {
    expect(fetchCommand('yunet', { dir: '/tmp/my models', source: 'cli' })).toBe('npx gpen-video models fetch yunet --models-dir "/tmp/my models"');
  });

  it('mentions an interrupted download, and ignores a directory in the file’s place', async () => {
    await writeFile(path.join(dir, 'gpen_bfr_512.onnx.part'), 'x');
    expect(missing(() => locateModel('gpen-bfr-512-onnx', dir)).message).toContain('interrupted download');
    await mkdir(path.join(dir, 'GPEN-BFR-256.pth'));
    missing(() => locateModel('gpen-bfr-256', dir));
  });

  it('rejects an unknown model name as a usage error', () => {
    expect(() => locateModel('nope', dir)).toThrow(UsageError);
  });
});
