import { chmod, writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { GpenError } from '../../src/errors.ts';
import { execFfprobe, liveProcessIds, runFfmpeg, runFfprobe } from '../../src/ffmpeg/run.ts';
import { realBinaries, tempPath } from '../helpers/clips.ts';

async function script(name: string, body: string): Promise<string> {
  const file = tempPath(`run-${name}.sh`);
  await writeFile(file, `#!/bin/bash\n${body}\n`);
  await chmod(file, 0o755);
  return file;
}

function gone(pid: number | undefined): boolean {
  if (pid === undefined) return true;
  try {
    process.kill(pid, 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

describe('runFfmpeg', () => {
  it('runs the real ffmpeg and streams its stdout', async () => {
    const handle = runFfmpeg(['-hide_banner', '-nostdin', '-f', 'lavfi', '-i', 'color=c=red:size=8x4:rate=5:duration=1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'], { stdout: 'pipe' });
    const chunks: Buffer[] = [];
    handle.stdout?.on('data', (c: Buffer) => chunks.push(c));
    await handle.done;
    const out = Buffer.concat(chunks);
    expect(out.length).toBe(5 * 8 * 4 * 3);
    expect(out[0]).toBeGreaterThan(240);
    expect(out[1]).toBeLessThan(15);
    expect(handle.exit()).toEqual({ code: 0, signal: null });
    expect(liveProcessIds()).not.toContain(handle.pid);
  });

  it('rejects a failure with the exit code, the task and the last meaningful stderr lines', async () => {
    const file = await script('fail', 'for i in 1 2 3 4 5 6 7 8; do echo "line $i" >&2; done; echo >&2; exit 3');
    const handle = runFfmpeg([], { binary: file, task: 'decoding /x/in.mp4', hint: 'Try another file.' });
    const err = await handle.done.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GpenError);
    expect(err).toMatchObject({ code: 'E_FFMPEG_FAILED' });
    const message = (err as Error).message;
    expect(message).toContain('ffmpeg failed (exit code 3) while decoding /x/in.mp4.');
    for (const i of [4, 5, 6, 7, 8]) expect(message).toContain(`  line ${i}`);
    expect(message).not.toContain('line 3');
    expect(message).toContain('Try another file.');
  });

  it('reports a process killed from outside', async () => {
    const file = await script('suicide', 'echo dying >&2; kill -9 $$');
    const err = await runFfmpeg([], { binary: file }).done.catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/ffmpeg was killed by SIGKILL[\s\S]*dying/);
  });

  it('says where it looked for a missing binary and how to fix it', async () => {
    const err = await runFfmpeg([], { binary: '/nonexistent/ffmpeg' }).done.catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'E_FFMPEG_NOT_FOUND' });
    expect((err as Error).message).toMatch(/\/nonexistent\/ffmpeg.*GPEN_VIDEO_FFMPEG/);
  });

  it('says so when the binary is not executable', async () => {
    const file = tempPath('not-executable');
    await writeFile(file, '#!/bin/bash\nexit 0\n');
    await chmod(file, 0o644);
    await expect(runFfmpeg([], { binary: file }).done).rejects.toMatchObject({ code: 'E_FFMPEG_NOT_EXECUTABLE' });
  });

  it('on abort sends SIGTERM, then SIGKILL to a process that ignores it, and rejects with the reason', async () => {
    const file = await script('stubborn', "trap '' TERM\necho started >&2\nexec sleep 30");
    const controller = new AbortController();
    let started!: () => void;
    const trapped = new Promise<void>((resolve) => (started = resolve));
    const handle = runFfmpeg([], { binary: file, signal: controller.signal, killGraceMs: 100, onStderrLine: () => started() });
    expect(liveProcessIds()).toContain(handle.pid);
    await trapped; // the trap is set: SIGTERM alone will not do
    controller.abort(new Error('user cancelled'));
    await expect(handle.done).rejects.toThrow('user cancelled');
    expect(handle.exit()).toEqual({ code: null, signal: 'SIGKILL' });
    expect(liveProcessIds()).not.toContain(handle.pid);
    expect(gone(handle.pid)).toBe(true);
  });

  it('stops a cooperative process with SIGTERM alone', async () => {
    const file = await script('sleeper', 'exec sleep 30');
    const controller = new AbortController();
    const handle = runFfmpeg([], { binary: file, signal: controller.signal });
    controller.abort();
    await expect(handle.done).rejects.toMatchObject({ name: 'AbortError' });
    expect(handle.exit()?.signal).toBe('SIGTERM');
  });

  it('starts nothing when the signal is already aborted', () => {
    const before = liveProcessIds().length;
    expect(() => runFfmpeg(['-version'], { signal: AbortSignal.abort() })).toThrow();
    expect(liveProcessIds().length).toBe(before);
  });

  it('stop() ends an ffmpeg blocked on a full stdout pipe, and done resolves', async () => {
    const handle = runFfmpeg(['-hide_banner', '-nostdin', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25', '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'], { stdout: 'pipe' });
    handle.stdout?.pause(); // nobody reads: ffmpeg fills the pipe and blocks
    await new Promise((r) => setTimeout(r, 200));
    await handle.stop();
    await expect(handle.done).resolves.toBeUndefined();
    expect(gone(handle.pid)).toBe(true);
  });

  it('drains a flood of stderr into a bounded ring', async () => {
    const file = await script('chatty', 'for i in $(seq 1 20000); do echo "chatter line $i with some padding to make it longer"; done >&2; exit 0');
    const handle = runFfmpeg([], { binary: file });
    await handle.done;
    expect(handle.stderr.all().length).toBeLessThanOrEqual(64);
    expect(handle.stderr.tail(1)).toEqual(['chatter line 20000 with some padding to make it longer']);
  });

  it('write() waits for drain and delivers every byte', async () => {
    const [w, h, frames] = [64, 64, 120];
    const handle = runFfmpeg(
      ['-hide_banner', '-nostdin', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${w}x${h}`, '-r', '10', '-i', 'pipe:0', '-f', 'framecrc', 'pipe:1'],
      { stdin: 'pipe', stdout: 'pipe' },
    );
    let out = '';
    handle.stdout?.on('data', (c: Buffer) => (out += c.toString()));
    const frame = Buffer.alloc(w * h * 3, 7);
    for (let i = 0; i < frames; i++) await handle.write(frame);
    handle.end();
    await handle.done;
    expect(out.split('\n').filter((l) => l !== '' && !l.startsWith('#'))).toHaveLength(frames);
  });

  it('write() to a process that has gone rejects with its failure', async () => {
    const file = await script('quitter', 'head -c 1000 > /dev/null; echo "boom: cannot go on" >&2; exit 2');
    const handle = runFfmpeg([], { binary: file, stdin: 'pipe' });
    const chunk = Buffer.alloc(256 * 1024);
    let err: unknown;
    try {
      for (let i = 0; i < 100; i++) await handle.write(chunk);
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'E_FFMPEG_FAILED' });
    expect((err as Error).message).toContain('boom: cannot go on');
  });

  it('write() after a clean exit says the input was not all read', async () => {
    const file = await script('early', 'exit 0');
    const handle = runFfmpeg([], { binary: file, stdin: 'pipe' });
    await handle.done;
    await expect(handle.write(Buffer.alloc(10))).rejects.toMatchObject({ code: 'E_FFMPEG_INPUT_CLOSED' });
  });
});

describe('runFfprobe', () => {
  it('returns stdout', async () => {
    expect(await runFfprobe(['-hide_banner', '-version'], { binary: realBinaries.ffprobe })).toContain('ffprobe version');
  });

  it('rejects a non-zero exit with the stderr tail', async () => {
    const file = await script('probe-fail', 'echo "x.mp4: Invalid data found when processing input" >&2; exit 1');
    const err = await runFfprobe([], { binary: file, task: 'reading x.mp4' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'E_FFPROBE_FAILED' });
    expect((err as Error).message).toContain('ffprobe failed (exit code 1) while reading x.mp4.');
    expect((err as Error).message).toContain('Invalid data found');
  });

  it('execFfprobe hands back a failure for the caller to judge', async () => {
    const file = await script('probe-fail2', 'echo out; echo "bad" >&2; exit 1');
    const result = await execFfprobe([], { binary: file });
    expect(result).toEqual({ stdout: 'out\n', stderr: ['bad'], exit: { code: 1, signal: null } });
  });
});
