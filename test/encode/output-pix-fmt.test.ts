import { describe, expect, it } from 'vitest';
import { chromaOf, defaultPixFmt } from '../../src/encode/output-pix-fmt.ts';

describe('chromaOf', () => {
  it('reads the subsampling of planar, semi-planar and packed names', () => {
    const cases: Record<string, string | null> = {
      yuv420p: '420', yuvj422p: '422', yuv444p10le: '444', yuva420p: '420', nv12: '420', nv16: '422', p010le: '420',
      p210le: '422', yuyv422: '422', uyvy422: '422', v210: '422', yuv411p: '411', uyyvyy411: '411', yuv410p: '410',
      yuv440p: '440', ayuv64le: '444', rgb24: null, gray: null, bgr0: null,
    };
    for (const [fmt, chroma] of Object.entries(cases)) expect([fmt, chromaOf(fmt)]).toEqual([fmt, chroma]);
  });
});

describe('defaultPixFmt', () => {
  const src = (pixFmt: string, bitDepth = 8) => ({ pixFmt, bitDepth });

  it('keeps the subsampling and depth where the codec has them', () => {
    expect(defaultPixFmt('libx264', src('yuv420p'))).toBe('yuv420p');
    expect(defaultPixFmt('libx264', src('yuvj420p'))).toBe('yuv420p');
    expect(defaultPixFmt('libx264', src('yuv422p10le', 10))).toBe('yuv422p10le');
    expect(defaultPixFmt('libx265', src('yuv420p12le', 12))).toBe('yuv420p12le');
    expect(defaultPixFmt('ffv1', src('yuv444p16le', 16))).toBe('yuv444p16le');
  });

  it('rounds the depth up, or down only where the codec has nothing deeper', () => {
    expect(defaultPixFmt('libx264', src('yuv420p9le', 9))).toBe('yuv420p10le');
    expect(defaultPixFmt('libx264', src('yuv420p12le', 12))).toBe('yuv420p10le');
    expect(defaultPixFmt('ffv1', src('yuv420p9le', 9))).toBe('yuv420p9le');
  });

  it('widens chroma the codec lacks instead of losing samples', () => {
    expect(defaultPixFmt('libx264', src('yuv411p'))).toBe('yuv422p');
    expect(defaultPixFmt('libx264', src('yuv440p'))).toBe('yuv444p');
    expect(defaultPixFmt('ffv1', src('yuv411p'))).toBe('yuv411p');
    expect(defaultPixFmt('ffv1', src('yuv410p', 10))).toBe('yuv420p10le');
    expect(defaultPixFmt('prores', src('yuv420p'))).toBe('yuv422p10le');
  });

  it('RGB stays RGB where the codec stores it; gray stays gray', () => {
    expect(defaultPixFmt('ffv1', src('rgb24'))).toBe('bgr0');
    expect(defaultPixFmt('ffv1', src('gbrp10le', 10))).toBe('gbrp10le');
    expect(defaultPixFmt('libx265', src('gbrp'))).toBe('gbrp');
    expect(defaultPixFmt('libx264', src('rgb24'))).toBe('yuv444p');
    expect(defaultPixFmt('prores', src('rgb48le', 16))).toBe('yuv444p10le');
    expect(defaultPixFmt('libx264', src('gray'))).toBe('gray');
    expect(defaultPixFmt('libx265', src('gray10le', 10))).toBe('gray10le');
    expect(defaultPixFmt('prores', src('gray'))).toBe('yuv422p10le');
  });

  it('an unknown layout is treated as 4:2:0', () => {
    expect(defaultPixFmt('libx264', src('bayer_rggb8'))).toBe('yuv420p');
  });
});
