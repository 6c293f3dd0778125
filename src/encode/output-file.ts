import { randomBytes } from 'node:crypto';
import { constants, unlinkSync } from 'node:fs';
import { access, link, lstat, open, realpath, rename, rm, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../errors.ts';

export interface PrepareOutputOptions {
  overwrite?: boolean;
  /** The file being restored: never written, whatever path leads to it. */
  inputPath?: string;
}

export interface PreparedOutput {
  finalPath: string;
  /** Hidden, in the same folder, same extension (ffmpeg picks the muxer from it); already created, empty. */
  tempPath: string;
  /** Moves the temp file to the final name in one step. */
  commit(): Promise<void>;
  /** Removes the temp file; harmless after commit or a second call. */
  discard(): Promise<void>;
}

/** Temp files not yet committed or discarded, for cleanupAllTempOutputs. */
const pending = new Set<string>();

/**
 * Checks the output path and reserves a temp name beside it. The final name only ever appears complete:
 * outputs are written to the temp name and renamed by commit().
 */
export async function prepareOutput(finalPath: string, options: PrepareOutputOptions = {}): Promise<PreparedOutput> {
  const abs = path.resolve(finalPath);
  const dir = path.dirname(abs);
  await checkDirectory(dir);
  const existing = await lstat(abs).catch(() => null);
  if (options.inputPath !== undefined) await refuseInput(abs, options.inputPath, existing !== null);
  if (existing) {
    if (existing.isDirectory()) throw new UsageError(`Output ${abs} is a folder; give a file name such as ${path.join(abs, 'restored.mp4')}.`, 'E_OUTPUT_IS_DIR');
    if (!options.overwrite) throw new UsageError(`Output ${abs} already exists. Choose another name, or allow overwriting it (--overwrite).`, 'E_OUTPUT_EXISTS');
  }
  const tempPath = await reserveTemp(abs);
  pending.add(tempPath);
  let state: 'open' | 'committed' | 'kept' | 'discarded' = 'open';

  return {
    finalPath: abs,
    tempPath,
    async commit() {
      if (state !== 'open') throw new Error(`output ${abs} was already ${state}`);
      if (options.overwrite) await rename(tempPath, abs);
      else if (!(await placeWithoutClobbering(tempPath, abs))) {
        // Keep the finished work: it is no longer a temp file for discard() or the cleanup to remove.
        pending.delete(tempPath);
        state = 'kept';
        throw new UsageError(`Output ${abs} appeared while gpen-video was writing it. The restored video was kept as ${tempPath}; rename it yourself.`, 'E_OUTPUT_EXISTS');
      }
      pending.delete(tempPath);
      state = 'committed';
    },
    async discard() {
      if (state !== 'open') return;
      state = 'discarded';
      pending.delete(tempPath);
      await rm(tempPath, { force: true });
    },
  };
}

/**
 * Removes every temp output not yet committed or discarded. Synchronous, so a SIGINT or 'exit' handler can
 * call it as the process goes down. Returns the paths removed.
 */
export function cleanupAllTempOutputs(): string[] {
  const removed: string[] = [];
  for (const file of pending) {
    try {
      unlinkSync(file);
      removed.push(file);
    } catch {
      // Already gone, or never created: nothing to clean.
    }
  }
  pending.clear();
  return removed;
}

async function checkDirectory(dir: string): Promise<void> {
  const st = await stat(dir).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') throw new UsageError(`Output folder ${dir} does not exist. Create it first, or choose another output path.`, 'E_OUTPUT_DIR_MISSING');
    if (e.code === 'ENOTDIR') throw new UsageError(`Output folder ${dir} is not a folder: part of that path is a file.`, 'E_OUTPUT_DIR_MISSING');
    throw e;
  });
  if (!st.isDirectory()) throw new UsageError(`Output folder ${dir} is not a folder.`, 'E_OUTPUT_DIR_MISSING');
  await access(dir, constants.W_OK).catch(() => {
    throw new UsageError(`Cannot write to the output folder ${dir} (permission denied). Choose a folder you can write to.`, 'E_OUTPUT_DIR_NOT_WRITABLE');
  });
}

/** Refuses an output path that leads to the input file (see prepareOutput). */
export async function assertNotInput(outputPath: string, inputPath: string): Promise<void> {
  const abs = path.resolve(outputPath);
  const exists = await lstat(abs).then(() => true, () => false);
  await refuseInput(abs, inputPath, exists);
}

/** Same file by real path (symlinks, "..", relative paths) or by inode (hard links, case-insensitive names). */
async function refuseInput(abs: string, inputPath: string, outputExists: boolean): Promise<void> {
  const input = await realpath(inputPath).catch(() => path.resolve(inputPath));
  const output = outputExists ? await realpath(abs).catch(() => abs) : path.join(await realpath(path.dirname(abs)), path.basename(abs));
  let same = input === output;
  if (!same && outputExists) {
    const [a, b] = await Promise.all([stat(input).catch(() => null), stat(abs).catch(() => null)]);
    same = a !== null && b !== null && a.dev === b.dev && a.ino === b.ino;
  }
  if (same) throw new UsageError(`Output ${abs} is the input file itself${input !== abs ? ` (${input})` : ''}. gpen-video never overwrites its input; choose another output name.`, 'E_OUTPUT_IS_INPUT');
}

async function reserveTemp(abs: string): Promise<string> {
  const dir = path.dirname(abs);
  const base = path.basename(abs);
  for (let attempt = 0; ; attempt++) {
    const temp = path.join(dir, `.${base}.gpen-${randomBytes(4).toString('hex')}${path.extname(base)}`);
    try {
      await (await open(temp, 'wx')).close();
      return temp;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EEXIST' && attempt < 5) continue;
      if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
        throw new UsageError(`Cannot create files in the output folder ${dir} (${code}). Choose a folder you can write to.`, 'E_OUTPUT_DIR_NOT_WRITABLE');
      }
      throw e;
    }
  }
}

/**
 * link() fails if the name was taken meanwhile, where rename() would silently replace it. Filesystems without
 * hard links fall back to a check-then-rename. False: the name is taken.
 */
async function placeWithoutClobbering(temp: string, abs: string): Promise<boolean> {
  try {
    await link(temp, abs);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'EMLINK' && code !== 'ENOSYS') throw e;
    if (await lstat(abs).then(() => true, () => false)) return false;
    await rename(temp, abs);
    return true;
  }
  await unlink(temp);
  return true;
}
