import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ffmpegInputUrl } from '../../src/ffmpeg/input-url.ts';

describe('ffmpegInputUrl', () => {
  it('makes paths absolute and explicit file: URLs', () => {
    expect(ffmpegInputUrl('/v/clip:2.mp4')).toBe('file:/v/clip:2.mp4');
    expect(ffmpegInputUrl('-odd.mp4')).toBe(`file:${path.resolve('-odd.mp4')}`);
  });
});
