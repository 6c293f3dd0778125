import { describe, expect, it } from 'vitest';
import { colorMatrixFor, colorRangeFor, decodeArgs, decodeFilterChain, frameBytes, rotationFilters, scaleFilter, type DecodeVideo } from '../../src/decode/decode-args.ts';

const video: DecodeVideo = { index: 0, rotation: 0, pixFmt: 'yuv420p', pixelFamily: 'yuv', colorSpace: 'bt709', colorRange: 'tv', fieldOrder: 'progressive', height: 1080 };
const FLAGS = 'flags=bicubic+accurate_rnd+full_chroma_int+bitexact';

describe('decodeArgs', () => {
  it('builds the whole-file command for ffmpeg 4 (-vsync 0)', () => {
    expect(decodeArgs({ input: 'file:/v/in.mp4', video, pixelFormat: 'rgb24', fpsMode: false })).toEqual([
      '-hide_banner', '-nostdin', '-nostats', '-loglevel', 'level+info', '-noautorotate',
      '-i', 'file:/v/in.mp4', '-map', '0:0', '-an', '-sn', '-dn',
      '-vf', `showinfo,scale=in_color_matrix=bt709:in_range=tv:${FLAGS},format=rgb24`,
      '-vsync', '0', '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1',
    ]);
  });

  it('uses -fps_mode on ffmpeg 5.1+, maps the probed stream and limits a range', () => {
    const args = decodeArgs({ input: 'file:/v/in.mkv', video: { ...video, index: 2 }, pixelFormat: 'rgb48le', range: { start: 10, end: 25 }, fpsMode: true });
    expect(args).toContain('-fps_mode');
    expect(args).not.toContain('-vsync');
    expect(args.slice(args.indexOf('-map'), args.indexOf('-map') + 2)).toEqual(['-map', '0:2']);
    expect(args.slice(args.indexOf('-frames:v'), args.indexOf('-frames:v') + 2)).toEqual(['-frames:v', '15']);
    expect(args.slice(-3)).toEqual(['-pix_fmt', 'rgb48le', 'pipe:1']);
    expect(args[args.indexOf('-vf') + 1]).toMatch(/^trim=start_frame=10:end_frame=25,showinfo,scale=.*,format=rgb48le$/);
  });

  it('seeks with -ss before the input for a range whose start time is known, and counts frames from there', () => {
    const args = decodeArgs({ input: 'file:/v/in.mkv', video, pixelFormat: 'rgb24', range: { start: 300, end: 450 }, seekSeconds: 12.4792, fpsMode: false });
    expect(args.slice(args.indexOf('-ss'), args.indexOf('-ss') + 2)).toEqual(['-ss', '12.479200']);
    expect(args.indexOf('-ss')).toBeLessThan(args.indexOf('-i'));
    expect(args[args.indexOf('-vf') + 1]).toMatch(/^showinfo,/);
    expect(args.slice(args.indexOf('-frames:v'), args.indexOf('-frames:v') + 2)).toEqual(['-frames:v', '150']);
    // without a range a seek time means nothing
    expect(decodeArgs({ input: 'file:/v/in.mkv', video, pixelFormat: 'rgb24', seekSeconds: 3, fpsMode: false })).not.toContain('-ss');
  });

  it('rotates exactly once: autorotate off, one transpose in the chain, after the RGB conversion', () => {
    for (const rotation of [90, 180, 270] as const) {
      const args = decodeArgs({ input: 'file:/x', video: { ...video, rotation }, pixelFormat: 'rgb24', fpsMode: false });
      expect(args.indexOf('-noautorotate')).toBeLessThan(args.indexOf('-i'));
      const chain = args[args.indexOf('-vf') + 1] as string;
      const rotations = chain.split(',').filter((f) => /^(transpose|hflip|vflip)/.test(f));
      expect(rotations).toEqual(rotationFilters(rotation));
      expect(chain.indexOf('scale=')).toBeLessThan(chain.indexOf(rotations[0] as string));
      expect(args.filter((a) => a === '-vf' || a === '-filter_complex' || a.startsWith('-filter:v'))).toHaveLength(1);
    }
    expect(rotationFilters(0)).toEqual([]);
    expect(rotationFilters(90)).toEqual(['transpose=clock']);
    expect(rotationFilters(180)).toEqual(['hflip', 'vflip']);
    expect(rotationFilters(270)).toEqual(['transpose=cclock']);
  });

  it('never resamples for the SAR', () => {
    const chain = decodeFilterChain(video, 'rgb24');
    expect(chain).not.toMatch(/scale=[^,]*(?:w=|h=|iw|ih|sar)/);
    expect(chain).not.toContain('setsar');
  });
});

describe('colour conversion', () => {
  it('names the source matrix and range explicitly', () => {
    expect(scaleFilter({ ...video, colorSpace: 'smpte170m', colorRange: 'pc' })).toBe(`scale=in_color_matrix=smpte170m:in_range=pc:${FLAGS}`);
    expect(scaleFilter({ ...video, colorSpace: 'bt2020nc' })).toContain('in_color_matrix=bt2020');
    expect(scaleFilter({ ...video, colorSpace: 'bt470bg' })).toContain('in_color_matrix=bt470');
  });

  it('guesses like players for untagged video: BT.709 from 720 lines, BT.601 below; limited range', () => {
    expect(colorMatrixFor({ colorSpace: 'unknown', height: 720 })).toBe('bt709');
    expect(colorMatrixFor({ colorSpace: 'unknown', height: 576 })).toBe('smpte170m');
    expect(colorMatrixFor({ colorSpace: 'reserved', height: 2160 })).toBe('bt709');
    expect(colorRangeFor({ colorRange: 'unknown' })).toBe('tv');
    expect(colorRangeFor({ colorRange: 'pc' })).toBe('pc');
  });

  it('leaves matrix and range out for RGB sources and the matrix out for gray', () => {
    expect(scaleFilter({ ...video, pixFmt: 'gbrp', pixelFamily: 'rgb', colorSpace: 'gbr' })).toBe(`scale=${FLAGS}`);
    expect(scaleFilter({ ...video, pixFmt: 'gray', pixelFamily: 'gray' })).toBe(`scale=in_range=tv:${FLAGS}`);
  });

  it('upsamples interlaced chroma per field', () => {
    expect(scaleFilter({ ...video, fieldOrder: 'tt' })).toContain(':interl=1:');
    expect(scaleFilter(video)).not.toContain('interl');
  });
});

describe('frameBytes', () => {
  it('is 3 bytes a pixel for rgb24 and 6 for rgb48le', () => {
    expect(frameBytes(160, 120, 'rgb24')).toBe(57_600);
    expect(frameBytes(160, 120, 'rgb48le')).toBe(115_200);
  });
});
