import { existsSync } from 'node:fs';
import { link, mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanupAllTempOutputs, prepareOutput } from '../../src/encode/output-file.ts';
import { UsageError } from '../../src/errors.ts';
import { tempDir } from '../helpers/tmp.ts';

const root = tempDir('gpen-output-file-');
let n = 0;

/** A fresh folder with an input file in it. */
async function scene(): Promise<{ dir: string; input: string }> {
  const dir = path.join(root, `case-${n++}`);
  await mkdir(dir);
  const input = path.join(dir, 'input.mp4');
  await writeFile(input, 'the precious original');
  return { dir, input };
}

async function errorOf(p: Promise<unknown>): Promise<UsageError> {
  const e = await p.then(() => null, (err: unknown) => err);
  expect(e).toBeInstanceOf(UsageError);
  return e as UsageError;
}

describe('prepareOutput', () => {
  it('reserves a hidden temp name beside the output that keeps its extension; commit renames it', async () => {
    const { dir, input } = await scene();
    const final = path.join(dir, 'restored.mp4');
    const out = await prepareOutput(final, { inputPath: input });
    expect(path.dirname(out.tempPath)).toBe(dir);
    expect(path.basename(out.tempPath)).toMatch(/^\.restored\.mp4\.gpen-[0-9a-f]{8}\.mp4$/);
    expect(existsSync(out.tempPath)).toBe(true);
    expect(existsSync(final)).toBe(false);
    await writeFile(out.tempPath, 'restored video');
    await out.commit();
    expect(await readFile(final, 'utf8')).toBe('restored video');
    expect((await readdir(dir)).sort()).toEqual(['input.mp4', 'restored.mp4']);
    await out.discard(); // after commit: nothing to do, the result stays
    expect(existsSync(final)).toBe(true);
  });

  it('discard removes the temp file and never creates the final one', async () => {
    const { dir, input } = await scene();
    const out = await prepareOutput(path.join(dir, 'x.mkv'), { inputPath: input });
    await writeFile(out.tempPath, 'half a video');
    await out.discard();
    await out.discard();
    expect((await readdir(dir)).sort()).toEqual(['input.mp4']);
    await expect(out.commit()).rejects.toThrow(/already discarded/);
  });

  it('refuses an existing output without overwrite, replaces it with overwrite', async () => {
    const { dir, input } = await scene();
    const final = path.join(dir, 'taken.mp4');
    await writeFile(final, 'older result');
    const e = await errorOf(prepareOutput(final, { inputPath: input }));
    expect(e.code).toBe('E_OUTPUT_EXISTS');
    expect(e.message).toContain(final);
    expect(e.message).toContain('--overwrite');
    const out = await prepareOutput(final, { inputPath: input, overwrite: true });
    await writeFile(out.tempPath, 'newer result');
    await out.commit();
    expect(await readFile(final, 'utf8')).toBe('newer result');
  });

  it('refuses the input itself: same path, relative path, a symlink to it, a hard link to it', async () => {
    const { dir, input } = await scene();
    const alias = path.join(dir, 'alias.mp4');
    await symlink(input, alias);
    const hard = path.join(dir, 'hard.mp4');
    await link(input, hard);
    const relative = path.relative(process.cwd(), path.join(dir, '.', 'input.mp4'));
    for (const output of [input, relative, alias, hard]) {
      const e = await errorOf(prepareOutput(output, { inputPath: input, overwrite: true }));
      expect(e.code).toBe('E_OUTPUT_IS_INPUT');
    }
    // The other way round too: the input named through the symlink.
    expect((await errorOf(prepareOutput(input, { inputPath: alias, overwrite: true }))).code).toBe('E_OUTPUT_IS_INPUT');
    expect(await readFile(input, 'utf8')).toBe('the precious original');
    expect((await readdir(dir)).filter((f) => f.includes('gpen-'))).toEqual([]);
  });

  it('refuses a missing folder, a folder path through a file, and a folder as the output', async () => {
    const { dir, input } = await scene();
    expect((await errorOf(prepareOutput(path.join(dir, 'nope', 'out.mp4'), { inputPath: input }))).code).toBe('E_OUTPUT_DIR_MISSING');
    expect((await errorOf(prepareOutput(path.join(input, 'out.mp4'), { inputPath: input }))).code).toBe('E_OUTPUT_DIR_MISSING');
    const sub = path.join(dir, 'folder.mp4');
    await mkdir(sub);
    expect((await errorOf(prepareOutput(sub, { inputPath: input, overwrite: true }))).code).toBe('E_OUTPUT_IS_DIR');
  });

  it('commit without overwrite does not replace a file that appeared meanwhile, and keeps the work', async () => {
    const { dir, input } = await scene();
    const final = path.join(dir, 'race.mp4');
    const out = await prepareOutput(final, { inputPath: input });
    await writeFile(out.tempPath, 'our result');
    await writeFile(final, 'someone else');
    const e = await errorOf(out.commit());
    expect(e.code).toBe('E_OUTPUT_EXISTS');
    expect(e.message).toContain(out.tempPath);
    expect(await readFile(final, 'utf8')).toBe('someone else');
    await out.discard();
    expect(cleanupAllTempOutputs()).not.toContain(out.tempPath);
    expect(await readFile(out.tempPath, 'utf8')).toBe('our result');
  });

  it('cleanupAllTempOutputs removes every temp file not yet committed or discarded', async () => {
    const { dir, input } = await scene();
    const a = await prepareOutput(path.join(dir, 'a.mp4'), { inputPath: input });
    const b = await prepareOutput(path.join(dir, 'b.mkv'), { inputPath: input });
    const c = await prepareOutput(path.join(dir, 'c.mov'), { inputPath: input });
    await c.commit();
    const removed = cleanupAllTempOutputs();
    expect(removed).toEqual(expect.arrayContaining([a.tempPath, b.tempPath]));
    expect(removed).not.toContain(c.tempPath);
    expect((await readdir(dir)).sort()).toEqual(['c.mov', 'input.mp4']);
    expect(cleanupAllTempOutputs()).toEqual([]);
  });
});
