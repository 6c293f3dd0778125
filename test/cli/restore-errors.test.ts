import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { ffmpeg, makeClip, tempDir, tempPath } from '../helpers/clips.ts';
import { describeShared } from '../helpers/shared.ts';
import { childrenOf, ffprobe, filesIn, modelsEnv, portraitClip, processName, randomGpenModel, startCli, testModel } from '../pipeline/fixtures.ts';
import { runCli, type CliResult } from './run-cli.ts';

/** A fresh, empty output folder: after a failure it must still be empty (no output, no temp file). */
function outDir(): string {
  return mkdtempSync(path.join(tempDir(), 'out-'));
}

/**
 * The CLI failed with `code` and said what was wrong on its first line, in the tool's own words
 * (no stack trace). `oneLine`: nothing else was printed; otherwise only quoted ffmpeg/ffprobe lines follow.
 */
function expectFailure(r: CliResult, code: number, message: RegExp, oneLine = true): void {
  expect(r.code, r.stderr).toBe(code);
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines[0]).toMatch(/^gpen-video: /);
  expect(lines[0]).toMatch(message);
  expect(r.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
  expect(r.stderr).not.toMatch(/internal error/);
  if (oneLine) expect(lines).toHaveLength(1);
  else for (const l of lines.slice(1)) expect(l).toMatch(/^(ffprobe said:|Last lines from ffmpeg:|\s{2}\S)/);
}

const sha1 = (file: string) => createHash('sha1').update(readFileSync(file)).digest('hex');

describeShared('restore: every error exits with its code, one message, and leaves no file behind', () => {
  let model: string;
  let clip: string;

  beforeAll(async () => {
    model = await testModel('identity', 256);
    clip = await makeClip({ source: 'testsrc2', width: 160, height: 120, fps: 10, duration: 1, audio: 1 });
  });

  const restore = (input: string, output: string, extra: string[] = [], env = modelsEnv()) =>
    runCli(['restore', input, '-o', output, '--model', model, '--progress', 'none', ...extra], env);

  it('missing input file: 2', () => {
    const dir = outDir();
    const r = restore(tempPath('no-such-clip.mp4'), path.join(dir, 'out.mp4'));
    expectFailure(r, 2, /Input file not found: .*no-such-clip\.mp4/);
    expect(filesIn(dir)).toEqual([]);
  });

  it('not a media file: 2', () => {
    const dir = outDir();
    const fake = tempPath('notes.mp4');
    writeFileSync(fake, 'these are my notes, not a video\n'.repeat(20));
    const r = restore(fake, path.join(dir, 'out.mp4'));
    expectFailure(r, 2, /notes\.mp4 is not a media file/, false);
    expect(filesIn(dir)).toEqual([]);
  });

  it('no video stream (audio only): 2', async () => {
    const dir = outDir();
    const audio = tempPath('sound-only.m4a');
    await ffmpeg(['-f', 'lavfi', '-i', 'sine=frequency=440:duration=1', '-c:a', 'aac', audio]);
    const r = restore(audio, path.join(dir, 'out.mp4'));
    expectFailure(r, 2, /sound-only\.m4a has no video stream/);
    expect(filesIn(dir)).toEqual([]);
  });

  it('truncated file: 2, after the restore had started', async () => {
    const dir = outDir();
    const whole = await makeClip({ source: 'testsrc2', width: 160, height: 120, fps: 10, duration: 3, audio: 1, faststart: true });
    const cut = tempPath('truncated.mp4');
    const bytes = readFileSync(whole);
    writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const r = restore(cut, path.join(dir, 'out.mp4'));
    expectFailure(r, 2, /truncated\.mp4 is truncated or damaged: decoding stopped at frame \d+/, false);
    expect(filesIn(dir)).toEqual([]);
  });

  it('a 10-bit source is refused explicitly: 2', async () => {
    const dir = outDir();
    const tenBit = await makeClip({ container: 'mkv', codec: 'ffv1', pixFmt: 'yuv420p10le', audio: 0, duration: 0.5 });
    const r = restore(tenBit, path.join(dir, 'out.mkv'));
    expectFailure(r, 2, /10-bit \(yuv420p10le\).*8-bit video only/);
    expect(filesIn(dir)).toEqual([]);
  });

  it('existing output: 2 without --overwrite (untouched), 0 with it (replaced)', async () => {
    const dir = outDir();
    const out = path.join(dir, 'out.mp4');
    writeFileSync(out, 'precious');
    const refused = restore(clip, out);
    expectFailure(refused, 2, /out\.mp4 already exists.*--overwrite/);
    expect(readFileSync(out, 'utf8')).toBe('precious');
    expect(filesIn(dir)).toEqual(['out.mp4']);

    const replaced = restore(clip, out, ['--overwrite']);
    expect(replaced.code, replaced.stderr).toBe(0);
    expect(filesIn(dir)).toEqual(['out.mp4']);
    expect((await ffprobe(['-count_frames', '-select_streams', 'v:0', '-show_entries', 'stream=nb_read_frames', '-of', 'csv=p=0', out])).trim()).toBe('10');
  });

  it('output equal to the input: 2, input untouched', () => {
    const dir = outDir();
    const input = path.join(dir, 'clip.mp4');
    writeFileSync(input, readFileSync(clip));
    const before = sha1(input);
    for (const output of [input, path.join(dir, '.', 'sub', '..', 'clip.mp4')]) {
      if (output.includes('sub')) mkdirSync(path.join(dir, 'sub'), { recursive: true });
      const r = restore(input, output, ['--overwrite']);
      expectFailure(r, 2, /clip\.mp4 is the input file itself/);
    }
    expect(sha1(input)).toBe(before);
    expect(filesIn(dir).filter((f) => f !== 'sub')).toEqual(['clip.mp4']);
  });

  it('model missing by name with an empty models folder: 3, naming the model, the folder and the fetch command', () => {
    const dir = outDir();
    const empty = mkdtempSync(path.join(tempDir(), 'models-'));
    // the folder from the environment: the fetch command needs no --models-dir
    const fromEnv = runCli(['restore', clip, '-o', path.join(dir, 'out.mp4'), '--model', 'gpen-bfr-512', '--progress', 'none'], { GPEN_VIDEO_MODELS: empty });
    expectFailure(fromEnv, 3, /"gpen-bfr-512"/);
    expect(fromEnv.stderr).toContain(`not found in ${empty}`);
    expect(fromEnv.stderr).toMatch(/Fetch (it|them) with: npx gpen-video models fetch gpen-bfr-512\b/);
    expect(fromEnv.stderr).not.toContain('--models-dir');
    // the folder from the command line: the command repeats it
    const fromCli = runCli(['restore', clip, '-o', path.join(dir, 'out.mp4'), '--model', 'gpen-bfr-512', '--models-dir', empty, '--progress', 'none'], {});
    expectFailure(fromCli, 3, /"gpen-bfr-512"/);
    expect(fromCli.stderr).toContain(`not found in ${empty}`);
    expect(fromCli.stderr).toMatch(new RegExp(`npx gpen-video models fetch gpen-bfr-512\\b.* --models-dir ${empty.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    // only the restorer missing (the detector is installed): the message is about the restorer alone
    const onlyRestorer = runCli(['restore', clip, '-o', path.join(dir, 'out.mp4'), '--model', 'gpen-bfr-512', '--progress', 'none'], modelsEnv());
    expectFailure(onlyRestorer, 3, /Model "gpen-bfr-512" is not installed: GPEN-BFR-512\.pth not found in .*Fetch it with: npx gpen-video models fetch gpen-bfr-512$/);
    expect(filesIn(dir)).toEqual([]);
    expect(filesIn(empty)).toEqual([]);
  });

  it('a restorer model that fails to load while the first frames are decoded: 2, no file, no ffmpeg left running', async () => {
    const dir = outDir();
    // the decoder and the detector start while the restorer's workers load the model
    const broken = tempPath('broken-restorer.onnx');
    writeFileSync(broken, Buffer.alloc(4096, 7));
    const input = await portraitClip({ width: 320, height: 240, fps: 10, duration: 6 });
    const r = runCli(['restore', input, '-o', path.join(dir, 'out.mp4'), '--model', broken, '--progress', 'none'], modelsEnv());
    expectFailure(r, 2, /Load model from .*broken-restorer\.onnx failed/);
    expect(filesIn(dir)).toEqual([]);
    // no decoder left behind: nothing still reads the clip
    const readers = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).split('\n').filter((l) => l.includes(input) && l.includes('ffmpeg'));
    expect(readers).toEqual([]);
  });

  it('bad option values: 2', () => {
    const dir = outDir();
    const out = path.join(dir, 'out.mp4');
    expectFailure(restore(clip, out, ['--temporal-blend', '2']), 2, /temporalBlend: Too big/);
    expectFailure(restore(clip, out, ['--frames', '10-5']), 2, /--frames 10-5: the end must be after the start/);
    expectFailure(restore(clip, out, ['--preset', 'turbo']), 2, /Unknown preset "turbo"/);
    // commander's own validation: choices and number parsing
    const codec = restore(clip, out, ['--codec', 'h263']);
    expect(codec.code).toBe(2);
    expect(codec.stderr).toMatch(/^error: option '--codec <codec>' argument 'h263' is invalid/);
    const crf = restore(clip, out, ['--crf', 'best']);
    expect(crf.code).toBe(2);
    expect(crf.stderr).toMatch(/^error: option '--crf <n>' argument 'best' is invalid/);
    expect(filesIn(dir)).toEqual([]);
  });

  it('Ctrl-C once frames flow: non-zero exit, no output, no temp file, no ffmpeg left running', async () => {
    const dir = outDir();
    const long = await portraitClip({ width: 320, height: 240, fps: 10, duration: 20 });
    // A real GPEN graph (random weights): inference is slow enough that the signal lands while
    // onnxruntime is running in its worker, the case that used to abort the process (SIGABRT).
    const run = startCli(['restore', long, '-o', path.join(dir, 'out.mp4'), '--model', await randomGpenModel(256), '--progress', 'json'], modelsEnv());
    await run.waitForStderrLine((l) => l.startsWith('{"frame":'));
    // ffmpeg decoding and ffmpeg encoding are running now
    const children = childrenOf(run.pid).filter((c) => c.comm.includes('ffmpeg'));
    expect(children.length).toBeGreaterThanOrEqual(2);
    expect(filesIn(dir).length).toBe(1); // the temp output, being written
    run.kill('SIGINT');
    const r = await run.exited;
    // handled, not killed by the signal: exited with a code of its own
    const how = `exit code ${r.code}, signal ${r.signal}, stderr:\n${r.stderr}`;
    expect(r.signal, how).toBeNull();
    expect(r.code, how).not.toBe(0);
    expect(r.stderr).toMatch(/gpen-video: interrupted/);
    expect(r.stderr).not.toMatch(/"done":true/);
    expect(filesIn(dir)).toEqual([]);
    for (const c of children) expect(processName(c.pid), `ffmpeg ${c.pid}`).toBeNull();
  });
});
