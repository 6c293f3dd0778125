import { describe, expect, it } from 'vitest';
import { buildEncodeArgs, type EncodeArgsInput } from '../../src/encode/encode-args.ts';
import { UsageError } from '../../src/errors.ts';
import { after, allAfter, audio, fakeMedia, subtitle } from './media-fixture.ts';

function build(overrides: Partial<EncodeArgsInput> = {}) {
  return buildEncodeArgs({ source: fakeMedia(), output: '/out/restored.mp4', fpsMode: false, ...overrides });
}

function filterChain(args: readonly string[]): string {
  return after(args, '-vf') ?? '';
}

describe('buildEncodeArgs: inputs and mapping', () => {
  it('reads raw frames from stdin at the source rate and the source file as input #1, by stream copy', () => {
    const source = fakeMedia({}, { audio: [audio(1, 'aac'), audio(2, 'ac3')], subtitles: [subtitle(3, 'mov_text')], chapters: 2 });
    const { args, warnings, frameBytes } = build({ source });
    const input0 = args.slice(args.indexOf('-f'), args.indexOf('pipe:0') + 1);
    expect(input0).toEqual(['-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', '160x120', '-framerate', '24000/1001', '-i', 'pipe:0']);
    expect(after(args, '-i', )).toBe('pipe:0');
    expect(allAfter(args, '-i')).toEqual(['pipe:0', 'file:/videos/in.mp4']);
    expect(allAfter(args, '-map')).toEqual(['0:v:0', '1:1', '1:2', '1:3']);
    expect(after(args, '-c:a:0')).toBe('copy');
    expect(after(args, '-c:a:1')).toBe('copy');
    expect(after(args, '-c:s:0')).toBe('copy');
    expect(after(args, '-map_metadata')).toBe('1');
    expect(after(args, '-map_chapters')).toBe('1');
    expect(args).toContain('-copyts');
    expect(after(args, '-vsync')).toBe('0');
    expect(args.at(-1)).toBe('file:/out/restored.mp4');
    expect(after(args, '-f', )).toBe('rawvideo');
    expect(allAfter(args, '-f').at(-1)).toBe('mp4');
    expect(warnings).toEqual([]);
    expect(frameBytes).toBe(160 * 120 * 3);
  });

  it('rgb48le input: 6 bytes a pixel', () => {
    const { args, frameBytes } = build({ inputPixelFormat: 'rgb48le' });
    expect(after(args, '-pix_fmt')).toBe('rgb48le');
    expect(frameBytes).toBe(160 * 120 * 6);
  });

  it('ffmpeg 5.1+ gets -fps_mode instead of -vsync', () => {
    const { args } = build({ fpsMode: true });
    expect(after(args, '-fps_mode')).toBe('passthrough');
    expect(args).not.toContain('-vsync');
  });

  it('stamps frames from the source start in the source clock, and keeps its time base for mp4', () => {
    const { args, timing } = build();
    expect(filterChain(args)).toMatch(/^settb=1001\/24000,setpts=PTS\+0,/);
    expect(after(args, '-enc_time_base:v')).toBe('1001/24000');
    expect(after(args, '-video_track_timescale')).toBe('24000');
    expect(timing.startTicks).toBe(0);
  });

  it('a start that is not a whole frame is kept exactly in a finer clock', () => {
    const { args } = build({ source: fakeMedia({ startTime: 1.5 }) });
    expect(filterChain(args)).toMatch(/^settb=1\/24000,setpts=PTS\+36000,/);
    expect(after(args, '-enc_time_base:v')).toBe('1/24000');
  });

  it('an excerpt starts at zero, with the source cut to it and no -copyts', () => {
    const { args } = build({ source: fakeMedia({ startTime: 0.5 }), frames: { start: 24, end: 40 } });
    const input1 = args.slice(args.indexOf('pipe:0') + 1, args.indexOf('file:/videos/in.mp4'));
    expect(input1).toEqual(['-ss', (0.5 + 24 * 1001 / 24000).toFixed(6), '-seek_timestamp', '1', '-t', (16 * 1001 / 24000).toFixed(6), '-i']);
    expect(args).not.toContain('-copyts');
    expect(after(args, '-copypriorss')).toBe('0');
    expect(filterChain(args)).toMatch(/setpts=PTS\+0,/);
  });

  it('an excerpt running to the last frame (or past it) has no -t: the audio runs on as in a full encode', () => {
    for (const end of [48, 60, Number.MAX_SAFE_INTEGER]) {
      const { args } = build({ frames: { start: 10, end } });
      expect(args).not.toContain('-t');
      expect(after(args, '-ss')).toBe((10 * 1001 / 24000).toFixed(6));
    }
  });

  it('keeps the sample aspect ratio of the decoded frames', () => {
    const { args } = build({ source: fakeMedia({ frameSar: { num: 4, den: 3 } }) });
    expect(filterChain(args)).toMatch(/,setsar=4\/3$/);
  });

  it('copies the source video stream tags except rotation, encoder and stale statistics', () => {
    const tags = { language: 'eng', title: 'Main', rotate: '90', encoder: 'Lavc58 libx264', DURATION: '00:00:02.000', 'BPS-eng': '1000', _STATISTICS_TAGS: 'BPS', timecode: '01:00:00:00' };
    const { args } = build({ source: fakeMedia({ tags }) });
    expect(allAfter(args, '-metadata:s:v:0')).toEqual(['language=eng', 'title=Main', 'timecode=01:00:00:00']);
  });

  it('interlaced sources stay interlaced: field order, per-field chroma, interlaced coding', () => {
    const { args } = build({ source: fakeMedia({ fieldOrder: 'tt' }) });
    expect(after(args, '-field_order')).toBe('tt');
    expect(filterChain(args)).toContain(':interl=1:');
    expect(after(args, '-flags')).toBe('+ildct+ilme');
  });
});

describe('buildEncodeArgs: codecs', () => {
  it('libx264 by default: CRF 18, preset medium, yuv420p for an 8-bit 4:2:0 source', () => {
    const { args, codec, pixFmt } = build();
    expect([codec, pixFmt]).toEqual(['libx264', 'yuv420p']);
    expect(after(args, '-c:v')).toBe('libx264');
    expect(after(args, '-crf')).toBe('18');
    expect(after(args, '-preset')).toBe('medium');
    expect(allAfter(args, '-pix_fmt').at(-1)).toBe('yuv420p');
  });

  it('--crf and --encoder-preset are passed on', () => {
    const { args } = build({ crf: 14.5, encoderPreset: 'slow' });
    expect(after(args, '-crf')).toBe('14.5');
    expect(after(args, '-preset')).toBe('slow');
  });

  it('libx265: quiet, hvc1 in mp4/mov, none in mkv', () => {
    const mp4 = build({ codec: 'libx265' }).args;
    expect(after(mp4, '-c:v')).toBe('libx265');
    expect(after(mp4, '-crf')).toBe('20');
    expect(after(mp4, '-x265-params')).toBe('log-level=error');
    expect(after(mp4, '-tag:v')).toBe('hvc1');
    expect(build({ codec: 'libx265', output: '/out/a.mkv' }).args).not.toContain('-tag:v');
  });

  it('ffv1: level 3, intra-only, no CRF', () => {
    const { args } = build({ codec: 'ffv1', output: '/out/a.mkv' });
    expect(after(args, '-c:v')).toBe('ffv1');
    expect(after(args, '-level')).toBe('3');
    expect(after(args, '-g')).toBe('1');
    expect(args).not.toContain('-crf');
  });

  it('prores: prores_ks HQ 4:2:2 10-bit for 4:2:0 sources, 4444 for 4:4:4, 4444 XQ above 10 bits', () => {
    const hq = build({ codec: 'prores', output: '/out/a.mov' });
    expect([after(hq.args, '-c:v'), after(hq.args, '-profile:v'), hq.pixFmt]).toEqual(['prores_ks', '3', 'yuv422p10le']);
    const p4444 = build({ codec: 'prores', output: '/out/a.mov', source: fakeMedia({ pixFmt: 'yuv444p', bitDepth: 8 }) });
    expect([after(p4444.args, '-profile:v'), p4444.pixFmt]).toEqual(['4', 'yuv444p10le']);
    const xq = build({ codec: 'prores', output: '/out/a.mov', source: fakeMedia({ pixFmt: 'yuv444p12le', bitDepth: 12 }) });
    expect(after(xq.args, '-profile:v')).toBe('5');
  });

  it('refuses meaningless or invalid codec options with UsageErrors', () => {
    expect(() => build({ codec: 'ffv1', output: '/out/a.mkv', crf: 10 })).toThrow(/--crf does not apply to FFV1/);
    expect(() => build({ crf: 60 })).toThrow(/--crf 60 is out of range/);
    expect(() => build({ encoderPreset: 'turbo' })).toThrow(/"turbo" is not a H.264 \(libx264\) preset/);
    expect(() => build({ codec: 'prores', output: '/out/a.mov', encoderPreset: 'slow' })).toThrow(UsageError);
    expect(() => build({ pixFmt: 'yuv420p12le' })).toThrow(/--pix-fmt yuv420p12le cannot be encoded by H.264/);
  });
});

describe('buildEncodeArgs: pixel formats and bit depth', () => {
  const tenBit = fakeMedia({ pixFmt: 'yuv420p10le', bitDepth: 10, colorSpace: 'bt2020nc', colorPrimaries: 'bt2020', colorTransfer: 'smpte2084' });

  it('a 10-bit source stays 10-bit where the codec can', () => {
    expect(build({ source: tenBit }).pixFmt).toBe('yuv420p10le');
    expect(build({ source: tenBit, codec: 'libx265' }).pixFmt).toBe('yuv420p10le');
    expect(build({ source: tenBit, codec: 'ffv1', output: '/out/a.mkv' }).pixFmt).toBe('yuv420p10le');
    expect(build({ source: tenBit, codec: 'prores', output: '/out/a.mov' }).pixFmt).toBe('yuv422p10le');
  });

  it('a 10-bit source is converted with its BT.2020 matrix and tagged with its HDR transfer', () => {
    const { args } = build({ source: tenBit, inputPixelFormat: 'rgb48le' });
    expect(filterChain(args)).toContain('scale=out_color_matrix=bt2020:out_range=tv:flags=area+accurate_rnd+full_chroma_int+bitexact,format=yuv420p10le');
    expect([after(args, '-color_range'), after(args, '-colorspace'), after(args, '-color_primaries'), after(args, '-color_trc')]).toEqual(['tv', 'bt2020nc', 'bt2020', 'smpte2084']);
  });

  it('4:2:2 and 4:4:4 sources keep their chroma', () => {
    expect(build({ source: fakeMedia({ pixFmt: 'yuv422p10le', bitDepth: 10 }) }).pixFmt).toBe('yuv422p10le');
    expect(build({ source: fakeMedia({ pixFmt: 'yuv444p' }) }).pixFmt).toBe('yuv444p');
  });

  it('odd frame sizes get 4:4:4 rather than a failing x264 (with a warning); an explicit 4:2:0 is refused', () => {
    const odd = fakeMedia({ frameWidth: 161, width: 161 });
    const { pixFmt, warnings } = build({ source: odd });
    expect(pixFmt).toBe('yuv444p');
    expect(warnings.join('\n')).toMatch(/161x120 has an odd side/);
    expect(() => build({ source: odd, pixFmt: 'yuv420p' })).toThrow(/even sides/);
  });
});

describe('buildEncodeArgs: colour', () => {
  it('BT.709 limited range: explicit matrix and range for the conversion, all four tags, colr atom', () => {
    const { args } = build();
    expect(filterChain(args)).toContain('scale=out_color_matrix=bt709:out_range=tv:flags=area+accurate_rnd+full_chroma_int+bitexact,format=yuv420p');
    expect([after(args, '-color_range'), after(args, '-colorspace'), after(args, '-color_primaries'), after(args, '-color_trc')]).toEqual(['tv', 'bt709', 'bt709', 'bt709']);
    expect(after(args, '-movflags')).toBe('+faststart+write_colr');
  });

  it('untagged SD video: converted with the BT.601 matrix the decoder assumed, range stated, matrix left untagged', () => {
    const { args } = build({ source: fakeMedia({ colorSpace: 'unknown', colorPrimaries: 'unknown', colorTransfer: 'unknown', colorRange: 'unknown' }) });
    expect(filterChain(args)).toContain('out_color_matrix=smpte170m:out_range=tv');
    expect(after(args, '-color_range')).toBe('tv');
    expect(args).not.toContain('-colorspace');
    expect(args).not.toContain('-color_primaries');
    // No colr atom without primaries: ffmpeg would only warn that it cannot fill it in.
    expect(after(args, '-movflags')).toBe('+faststart');
  });

  it('full-range (yuvj) sources stay full range', () => {
    const { args, pixFmt } = build({ source: fakeMedia({ pixFmt: 'yuvj420p', colorRange: 'pc' }) });
    expect(pixFmt).toBe('yuv420p');
    expect(filterChain(args)).toContain('out_range=pc');
    expect(after(args, '-color_range')).toBe('pc');
  });

  it('names from a newer ffprobe are translated; unknown ones are left out with a warning', () => {
    const { args, warnings } = build({ source: fakeMedia({ colorPrimaries: 'ebu3213', colorTransfer: 'some-future-curve' }) });
    expect(after(args, '-color_primaries')).toBe('jedec-p22');
    expect(args).not.toContain('-color_trc');
    expect(warnings.join('\n')).toMatch(/transfer characteristics "some-future-curve"/);
  });

  it('lossless RGB output (ffv1 + bgr0): no YUV conversion, no YUV tags', () => {
    const { args, pixFmt } = build({ codec: 'ffv1', pixFmt: 'bgr0', output: '/out/a.mkv' });
    expect(pixFmt).toBe('bgr0');
    const chain = filterChain(args);
    expect(chain).not.toMatch(/scale|color_matrix|range/);
    expect(chain).toMatch(/,format=bgr0,setsar=1\/1$/);
    expect(args).not.toContain('-color_range');
    expect(after(args, '-colorspace')).toBe('rgb');
  });

  it('an RGB source defaults to RGB where the codec stores it', () => {
    const rgb = fakeMedia({ pixFmt: 'gbrp', pixelFamily: 'rgb', colorSpace: 'gbr' });
    expect(build({ source: rgb, codec: 'ffv1', output: '/out/a.mkv' }).pixFmt).toBe('bgr0');
    expect(build({ source: rgb, codec: 'libx265', output: '/out/a.mkv' }).pixFmt).toBe('gbrp');
    const x264 = build({ source: rgb });
    expect(x264.pixFmt).toBe('yuv444p');
    expect(after(x264.args, '-colorspace')).toBe('smpte170m');
    expect(x264.warnings).toEqual([]);
  });
});

describe('buildEncodeArgs: containers', () => {
  it('picks the muxer from the extension; mp4/mov get faststart and the track timescale, others do not', () => {
    const muxer = (output: string, codec: EncodeArgsInput['codec'] = 'libx264') => allAfter(build({ output, codec }).args, '-f').at(-1);
    expect(muxer('/o/a.mp4')).toBe('mp4');
    expect(muxer('/o/a.M4V')).toBe('mp4');
    expect(muxer('/o/a.mov')).toBe('mov');
    expect(muxer('/o/a.mkv')).toBe('matroska');
    expect(muxer('/o/a.avi', 'ffv1')).toBe('avi');
    expect(muxer('/o/a.nut', 'prores')).toBe('nut');
    expect(muxer('/o/a.ts')).toBe('mpegts');
    const mkv = build({ output: '/o/a.mkv' }).args;
    expect(mkv).not.toContain('-movflags');
    expect(mkv).not.toContain('-video_track_timescale');
  });

  it('refuses unknown extensions and codecs the container cannot hold, naming the alternatives', () => {
    expect(() => build({ output: '/o/a.flv' })).toThrow(/ends in "\.flv"/);
    expect(() => build({ output: '/o/noext' })).toThrow(/has no extension/);
    const webm = (() => {
      try {
        build({ output: '/o/a.webm' });
      } catch (e) {
        return e;
      }
    })();
    expect(webm).toBeInstanceOf(UsageError);
    expect((webm as UsageError).code).toBe('E_OUTPUT_CODEC');
    expect((webm as UsageError).message).toMatch(/WebM cannot hold H.264 \(libx264\) video/);
    expect(() => build({ output: '/o/a.mp4', codec: 'prores' })).toThrow(/Use \.mov, \.mkv, \.nut for --codec prores/);
    expect(() => build({ output: '/o/a.mp4', codec: 'ffv1' })).toThrow(/MP4 cannot hold FFV1/);
  });

  it('AVI stores no timestamps: a start off the frame grid is rounded with a warning', () => {
    const { args, warnings } = build({ codec: 'ffv1', output: '/o/a.avi', source: fakeMedia({ startTime: 0.02 }) });
    expect(filterChain(args)).toMatch(/^settb=1001\/24000,setpts=PTS\+0,/);
    expect(warnings.join('\n')).toMatch(/rounded to a whole frame/);
  });
});

describe('buildEncodeArgs: subtitles and audio the container cannot hold', () => {
  it('SubRip into mp4 becomes mov_text, with a warning naming the stream', () => {
    const source = fakeMedia({}, { subtitles: [subtitle(2, 'mov_text'), subtitle(3, 'subrip', { language: 'fra', title: 'Français' })] });
    const { args, warnings } = build({ source });
    expect(after(args, '-c:s:0')).toBe('copy');
    expect(after(args, '-c:s:1')).toBe('mov_text');
    expect(warnings).toEqual([expect.stringMatching(/^subtitle stream #3 \(subrip, fra, "Français"\) cannot be stored in MP4: converted to mov_text/)]);
  });

  it('bitmap subtitles that cannot go into the container are refused, naming the stream and the file', () => {
    const source = fakeMedia({}, { file: '/videos/film.mkv', subtitles: [subtitle(4, 'hdmv_pgs_subtitle', { language: 'eng' })] });
    expect(() => build({ source })).toThrow(/subtitle stream #4 \(hdmv_pgs_subtitle, eng\) of \/videos\/film.mkv cannot be stored in MP4: it is not a text format/);
    expect(build({ source, output: '/o/a.mkv' }).warnings).toEqual([]);
  });

  it('PCM audio: copied into mov and mkv, re-encoded to FLAC for mp4 (-strict experimental), refused for MPEG-TS', () => {
    const source = fakeMedia({}, { audio: [audio(1, 'pcm_s24le')] });
    expect(after(build({ source, output: '/o/a.mov' }).args, '-c:a:0')).toBe('copy');
    expect(after(build({ source, output: '/o/a.mkv' }).args, '-c:a:0')).toBe('copy');
    const mp4 = build({ source });
    expect(after(mp4.args, '-c:a:0')).toBe('flac');
    expect(after(mp4.args, '-strict')).toBe('experimental');
    expect(mp4.warnings.join('\n')).toMatch(/audio stream #1 \(pcm_s24le\) cannot be stored in MP4: re-encoded as FLAC/);
    expect(() => build({ source, output: '/o/a.ts' })).toThrow(/MPEG-TS has no lossless audio format/);
  });

  it('FLAC/Opus copy into mp4 needs -strict experimental; AAC does not', () => {
    expect(after(build({ source: fakeMedia({}, { audio: [audio(1, 'opus')] }) }).args, '-strict')).toBe('experimental');
    expect(build({ source: fakeMedia({}, { audio: [audio(1, 'aac')] }) }).args).not.toContain('-strict');
  });
});
