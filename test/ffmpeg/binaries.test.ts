import { afterEach, describe, expect, it } from 'vitest';
import { binaries, binaryPath, resetBinaries, setBinaries } from '../../src/ffmpeg/binaries.ts';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

describe('binary resolution', () => {
  const saved = { ffmpeg: process.env.GPEN_VIDEO_FFMPEG, ffprobe: process.env.GPEN_VIDEO_FFPROBE };
  afterEach(() => {
    resetBinaries();
    for (const [k, v] of [['GPEN_VIDEO_FFMPEG', saved.ffmpeg], ['GPEN_VIDEO_FFPROBE', saved.ffprobe]] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  it('defaults to the npm installer packages', () => {
    delete process.env.GPEN_VIDEO_FFMPEG;
    delete process.env.GPEN_VIDEO_FFPROBE;
    expect(binaries()).toEqual({
      ffmpeg: (require('@ffmpeg-installer/ffmpeg') as { path: string }).path,
      ffprobe: (require('@ffprobe-installer/ffprobe') as { path: string }).path,
    });
  });

  it('lets the environment override the packages', () => {
    process.env.GPEN_VIDEO_FFMPEG = '/opt/ffmpeg/bin/ffmpeg';
    process.env.GPEN_VIDEO_FFPROBE = '/opt/ffmpeg/bin/ffprobe';
    expect(binaries()).toEqual({ ffmpeg: '/opt/ffmpeg/bin/ffmpeg', ffprobe: '/opt/ffmpeg/bin/ffprobe' });
  });

  it('lets setBinaries override the environment, one binary at a time', () => {
    process.env.GPEN_VIDEO_FFMPEG = '/env/ffmpeg';
    setBinaries({ ffmpeg: '/test/ffmpeg' });
    expect(binaryPath('ffmpeg')).toBe('/test/ffmpeg');
    setBinaries({ ffprobe: '/test/ffprobe' });
    expect(binaries()).toEqual({ ffmpeg: '/test/ffmpeg', ffprobe: '/test/ffprobe' });
    setBinaries({ ffmpeg: undefined });
    expect(binaryPath('ffmpeg')).toBe('/env/ffmpeg');
    resetBinaries();
    expect(binaryPath('ffprobe')).not.toBe('/test/ffprobe');
  });
});
