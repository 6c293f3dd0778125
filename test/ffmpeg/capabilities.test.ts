import { afterEach, describe, expect, it } from 'vitest';
import { capabilitiesOf, ffmpegCapabilities, parseVersionOutput } from '../../src/ffmpeg/capabilities.ts';
import { resetBinaries, setBinaries } from '../../src/ffmpeg/binaries.ts';
import { writeFile } from 'node:fs/promises';
import { fakeBinary, tempPath } from '../helpers/clips.ts';

const v41 = `ffmpeg version N-47683-g0e8eb07980-static https://johnvansickle.com/ffmpeg/  Copyright (c) 2000-2018 the FFmpeg developers
built with gcc 6.3.0 (Debian 6.3.0-18+deb9u1) 20170516
libavutil      56. 24.101 / 56. 24.101
libavcodec     58. 42.100 / 58. 42.100`;
const v70 = `ffmpeg version 7.0.2-static https://johnvansickle.com/ffmpeg/  Copyright (c) 2000-2024 the FFmpeg developers
libavutil      59.  8.100 / 59.  8.100`;
const v50 = `ffmpeg version 5.0.1 Copyright (c) 2000-2022 the FFmpeg developers
libavutil      57. 17.100 / 57. 17.100`;
const v51 = `ffmpeg version 5.1 Copyright (c) 2000-2022 the FFmpeg developers
libavutil      57. 28.100 / 57. 28.100`;

describe('ffmpeg capabilities', () => {
  afterEach(() => resetBinaries());

  it('parses -version output, snapshot builds included', () => {
    expect(parseVersionOutput(v41)).toEqual({ version: 'N-47683-g0e8eb07980-static', libavutil: [56, 24, 101] });
    expect(parseVersionOutput('not ffmpeg')).toBeNull();
  });

  it('uses -fps_mode from libavutil 57.28 (ffmpeg 5.1) on', () => {
    const fpsMode = (text: string): boolean => capabilitiesOf(parseVersionOutput(text)!).fpsMode;
    expect(fpsMode(v41)).toBe(false);
    expect(fpsMode(v50)).toBe(false);
    expect(fpsMode(v51)).toBe(true);
    expect(fpsMode(v70)).toBe(true);
  });

  it('asks the configured binary', async () => {
    const caps = await ffmpegCapabilities();
    expect(caps.version.libavutil[0]).toBeGreaterThanOrEqual(56);
  });

  it('says so when the binary is not ffmpeg, and caches per binary path', async () => {
    const liar = tempPath('liar');
    await writeFile(liar, '#!/bin/bash\necho "hello world"\n', { mode: 0o755 });
    setBinaries({ ffmpeg: liar });
    await expect(ffmpegCapabilities()).rejects.toMatchObject({ code: 'E_FFMPEG_VERSION' });
    setBinaries({ ffmpeg: await fakeBinary('ffmpeg-4', 'exit 0') });
    await expect(ffmpegCapabilities()).resolves.toMatchObject({ fpsMode: false, version: { version: '4.1-fake' } });
  });

  it('an abort ends only the aborting caller\'s wait', async () => {
    setBinaries({ ffmpeg: await fakeBinary('ffmpeg-slow', 'exit 0') });
    const controller = new AbortController();
    const mine = ffmpegCapabilities({ signal: controller.signal });
    const theirs = ffmpegCapabilities();
    controller.abort();
    await expect(mine).rejects.toMatchObject({ name: 'AbortError' });
    await expect(theirs).resolves.toMatchObject({ fpsMode: false });
    await expect(ffmpegCapabilities({ signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' });
  });
});
