import { statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ModelMissingError } from '../errors.ts';
import { getModel, type RegistryEntry } from './registry.ts';

export type ModelsDirSource = 'cli' | 'env' | 'default';
export interface ResolvedModelsDir {
  dir: string;
  source: ModelsDirSource;
}

export const MODELS_DIR_ENV = 'GPEN_VIDEO_MODELS';

export interface ResolveModelsDirOptions {
  cliDir?: string | undefined;
  env?: NodeJS.ProcessEnv;
  /** Test hooks: the platform and home directory whose default cache dir to use. */
  platform?: NodeJS.Platform;
  homedir?: string;
}

/** `--models-dir` beats `GPEN_VIDEO_MODELS`, which beats the per-user cache directory. */
export function resolveModelsDir(opts: ResolveModelsDirOptions = {}): ResolvedModelsDir {
  const env = opts.env ?? process.env;
  if (opts.cliDir !== undefined && opts.cliDir.trim() !== '') {
    return { dir: path.resolve(opts.cliDir), source: 'cli' };
  }
  const fromEnv = env[MODELS_DIR_ENV];
  if (fromEnv !== undefined && fromEnv.trim() !== '') {
    return { dir: path.resolve(fromEnv), source: 'env' };
  }
  return {
    dir: defaultModelsDir(env, opts.platform ?? process.platform, opts.homedir ?? os.homedir()),
    source: 'default',
  };
}

function defaultModelsDir(env: NodeJS.ProcessEnv, platform: NodeJS.Platform, home: string): string {
  return (platform === 'win32' ? path.win32 : path.posix).join(userCacheDir(env, platform, home), 'models');
}

/** gpen-video's per-user cache directory (models, onnxruntime's optimized models). */
export function userCacheDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform, home: string = os.homedir()): string {
  const p = platform === 'win32' ? path.win32 : path.posix;
  const xdg = env.XDG_CACHE_HOME;
  // The XDG spec says a relative XDG_CACHE_HOME is invalid and must be ignored.
  if (xdg !== undefined && xdg !== '' && p.isAbsolute(xdg)) return p.join(xdg, 'gpen-video');
  if (platform === 'win32') {
    const local = env.LOCALAPPDATA;
    const base = local !== undefined && local !== '' ? local : p.join(home, 'AppData', 'Local');
    return p.join(base, 'gpen-video');
  }
  if (platform === 'darwin') return p.join(home, 'Library', 'Caches', 'gpen-video');
  return p.join(home, '.cache', 'gpen-video');
}

function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:\\-]+$/.test(s) ? s : `"${s.replace(/(["\\$`])/g, '\\$1')}"`;
}

/** The exact command that installs `name` into `dir`; `--models-dir` only where the dir came from the CLI. */
export function fetchCommand(name: string, dir: string | ResolvedModelsDir): string {
  const base = `npx gpen-video models fetch ${name}`;
  // A bare string has no provenance, so spell the directory out: always correct, if verbose.
  const explicit = typeof dir === 'string' ? dir : dir.source === 'cli' ? dir.dir : null;
  return explicit === null ? base : `${base} --models-dir ${shellQuote(path.resolve(explicit))}`;
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/**
 * Absolute path of an installed model, or a ModelMissingError that names the model, the
 * directory searched and the command that fetches it.
 */
export function locateModel(model: string | RegistryEntry, dir: string | ResolvedModelsDir): string {
  const entry = typeof model === 'string' ? getModel(model) : model;
  const searched = path.resolve(typeof dir === 'string' ? dir : dir.dir);
  const file = path.join(searched, entry.file);
  if (isFile(file)) return file;
  const partial = isFile(`${file}.part`) ? ' An interrupted download was found; fetching resumes it.' : '';
  throw new ModelMissingError(
    `Model "${entry.name}" is not installed: ${entry.file} not found in ${searched}.${partial} ` +
      `Fetch it with: ${fetchCommand(entry.name, dir)}`,
  );
}
