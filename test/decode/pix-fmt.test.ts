import { describe, expect, it } from 'vitest';
import { bitDepthOf, isJpegRange, pixelFamily } from '../../src/decode/pix-fmt.ts';

describe('pixel formats', () => {
  it('reads the bit depth from the name', () => {
    const cases: Record<string, number> = {
      yuv420p: 8, yuvj420p: 8, nv12: 8, rgb24: 8, bgr0: 8, gbrp: 8, gray: 8, pal8: 8, yuyv422: 8, rgb565le: 8, yuva444p: 8,
      yuv420p10le: 10, yuv422p10be: 10, yuv444p12le: 12, yuv420p9le: 9, gbrp10le: 10, gbrap12le: 12, gray10le: 10,
      gray16be: 16, ya16le: 16, p010le: 10, p016le: 16, p210le: 10, yuva444p16le: 16, rgb48le: 16, bgr48be: 16,
      rgba64le: 16, y210le: 10, v210: 10, x2rgb10le: 10, xv30le: 10, grayf32le: 32,
    };
    for (const [fmt, bits] of Object.entries(cases)) expect([fmt, bitDepthOf(fmt)]).toEqual([fmt, bits]);
  });

  it('tells YCbCr from RGB from gray', () => {
    expect(['yuv420p', 'yuvj422p', 'nv12', 'p010le', 'uyvy422', 'yuva420p', 'v210', 'y210le'].map(pixelFamily)).toEqual(Array(8).fill('yuv'));
    expect(['rgb24', 'bgr0', 'gbrp', 'gbrp10le', 'rgba', 'argb', 'rgb48le', 'pal8', 'x2rgb10le'].map(pixelFamily)).toEqual(Array(9).fill('rgb'));
    expect(['gray', 'gray10le', 'ya8', 'monob'].map(pixelFamily)).toEqual(Array(4).fill('gray'));
    expect(pixelFamily('bayer_rggb8')).toBe('other');
  });

  it('knows yuvj formats are full range', () => {
    expect(isJpegRange('yuvj420p')).toBe(true);
    expect(isJpegRange('yuv420p')).toBe(false);
  });
});
