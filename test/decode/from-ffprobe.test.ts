import { describe, expect, it } from 'vitest';
import { rotationOf, toMediaInfo } from '../../src/decode/from-ffprobe.ts';
import { rawProbeSchema } from '../../src/decode/probe-schema.ts';

/** Shaped like ffprobe's JSON, with its habit of strings for numbers. */
function probe(video: Record<string, unknown>, extra: Record<string, unknown>[] = [], format: Record<string, unknown> = {}) {
  return rawProbeSchema.parse({
    streams: [
      {
        index: 0, codec_type: 'video', codec_name: 'h264', width: 720, height: 480, coded_width: 720, coded_height: 480,
        sample_aspect_ratio: '8:9', display_aspect_ratio: '4:3', pix_fmt: 'yuv420p', r_frame_rate: '30000/1001',
        avg_frame_rate: '30000/1001', time_base: '1/30000', start_time: '0.033367', duration: '10.010000', nb_frames: '300',
        disposition: { default: 1, attached_pic: 0 }, ...video,
      },
      ...extra,
    ],
    chapters: [{ id: 1 }, { id: 2 }],
    format: { format_name: 'mov,mp4', format_long_name: 'QuickTime / MOV', duration: '10.010000', size: '123456', bit_rate: 'N/A', start_time: '0.000000', tags: { title: 'T' }, ...format },
  });
}

describe('toMediaInfo', () => {
  it('turns ffprobe strings into strict numbers and rationals', () => {
    const info = toMediaInfo(probe({}), '/v/a.mp4', 999);
    expect(info.format).toEqual({ name: 'mov,mp4', longName: 'QuickTime / MOV', duration: 10.01, sizeBytes: 123456, bitRate: null, startTime: 0, tags: { title: 'T' } });
    const v = info.video;
    expect(v).toMatchObject({
      index: 0, codec: 'h264', width: 720, height: 480, sar: { num: 8, den: 9 }, dar: { num: 4, den: 3 }, rotation: 0,
      displayWidth: 640, displayHeight: 480, frameWidth: 720, frameHeight: 480, frameSar: { num: 8, den: 9 },
      avgFrameRate: { num: 30000, den: 1001 }, timeBase: { num: 1, den: 30000 }, frameCount: 300, frameCountSource: 'container',
      startTime: 0.033367, duration: 10.01, bitDepth: 8, pixelFamily: 'yuv', colorRange: 'unknown', colorSpace: 'unknown', vfrLikely: false,
    });
    expect(v.fps).toBeCloseTo(29.97, 2);
    expect(info.chapters).toBe(2);
  });

  it('swaps frame and display sizes and the SAR for a quarter turn', () => {
    const v = toMediaInfo(probe({ side_data_list: [{ side_data_type: 'Display Matrix', rotation: -90 }] }), '/v', 1).video;
    expect(v).toMatchObject({ rotation: 90, frameWidth: 480, frameHeight: 720, displayWidth: 480, displayHeight: 640, frameSar: { num: 9, den: 8 } });
  });

  it('reads rotation from the display matrix (counter-clockwise) or the legacy tag (clockwise)', () => {
    expect(rotationOf({ side_data_list: [{ side_data_type: 'Display Matrix', rotation: -90 }] })).toBe(90);
    expect(rotationOf({ side_data_list: [{ side_data_type: 'Display Matrix', rotation: 90 }] })).toBe(270);
    expect(rotationOf({ side_data_list: [{ side_data_type: 'Display Matrix', rotation: '180.00' }] })).toBe(180);
    expect(rotationOf({ side_data_list: [{ side_data_type: 'Display Matrix', rotation: -89.9 }] })).toBe(90);
    expect(rotationOf({ tags: { rotate: '90' } })).toBe(90);
    expect(rotationOf({ tags: { rotate: '-90' } })).toBe(270);
    expect(rotationOf({ tags: { rotate: '450' } })).toBe(90);
    // The matrix wins where both are present (ffprobe 4 printed both).
    expect(rotationOf({ side_data_list: [{ side_data_type: 'Display Matrix', rotation: -90 }], tags: { rotate: '90' } })).toBe(90);
    expect(rotationOf({})).toBe(0);
  });

  it('estimates the frame count where the container has none, and flags it', () => {
    const v = toMediaInfo(probe({ nb_frames: undefined, duration: undefined, avg_frame_rate: '25/1', r_frame_rate: '25/1' }, [], { duration: '4.000000' }), '/v', 1).video;
    expect(v).toMatchObject({ frameCount: 100, frameCountSource: 'estimated', duration: 4 });
  });

  it('flags likely VFR and tolerates rounding of the average', () => {
    expect(toMediaInfo(probe({ avg_frame_rate: '2997/100' }), '/v', 1).video.vfrLikely).toBe(false);
    expect(toMediaInfo(probe({ avg_frame_rate: '24/1', r_frame_rate: '60/1' }), '/v', 1).video.vfrLikely).toBe(true);
  });

  it('reads bit depth, range and colour tags', () => {
    const v = toMediaInfo(probe({ pix_fmt: 'yuv420p10le', color_range: 'tv', color_space: 'bt2020nc', color_primaries: 'bt2020', color_transfer: 'smpte2084', field_order: 'tt' }), '/v', 1).video;
    expect(v).toMatchObject({ bitDepth: 10, colorRange: 'tv', colorSpace: 'bt2020nc', colorPrimaries: 'bt2020', colorTransfer: 'smpte2084', fieldOrder: 'tt' });
    expect(toMediaInfo(probe({ pix_fmt: 'yuvj420p' }), '/v', 1).video.colorRange).toBe('pc');
  });

  it('lists audio, subtitle and other streams', () => {
    const info = toMediaInfo(
      probe({}, [
        { index: 1, codec_type: 'audio', codec_name: 'aac', channels: 2, channel_layout: 'stereo', sample_rate: '48000', tags: { language: 'eng', title: 'Main' }, disposition: { default: 1 } },
        { index: 2, codec_type: 'audio', codec_name: 'ac3', channels: '6', sample_rate: 48000, tags: { language: 'und' } },
        { index: 3, codec_type: 'subtitle', codec_name: 'subrip', tags: { language: 'fra' } },
        { index: 4, codec_type: 'data', codec_name: 'bin_data' },
        { index: 5, codec_type: 'attachment', tags: { filename: 'font.ttf', mimetype: 'font/ttf' } },
      ]),
      '/v',
      1,
    );
    expect(info.audio).toEqual([
      { index: 1, codec: 'aac', channels: 2, channelLayout: 'stereo', sampleRate: 48000, language: 'eng', title: 'Main', isDefault: true },
      { index: 2, codec: 'ac3', channels: 6, channelLayout: null, sampleRate: 48000, language: null, title: null, isDefault: false },
    ]);
    expect(info.subtitles).toEqual([{ index: 3, codec: 'subrip', language: 'fra', title: null, isDefault: false }]);
    expect(info.other).toEqual([
      { index: 4, type: 'data', codec: 'bin_data', tags: {} },
      { index: 5, type: 'attachment', codec: null, tags: { filename: 'font.ttf', mimetype: 'font/ttf' } },
    ]);
  });

  it('skips cover art and refuses files without a moving picture', () => {
    const cover = { codec_type: 'video', disposition: { attached_pic: 1 } };
    const raw = probe(cover, [{ index: 1, codec_type: 'audio', codec_name: 'mp3' }]);
    expect(() => toMediaInfo(raw, '/music/song.mp3', 1)).toThrow(expect.objectContaining({ code: 'E_INPUT_NO_VIDEO', message: expect.stringContaining('#0 video (cover art), #1 audio') }));
  });

  it('calls a video stream without a size corrupt', () => {
    expect(() => toMediaInfo(probe({ width: 0, height: 0 }), '/v/x.mp4', 1)).toThrow(expect.objectContaining({ code: 'E_INPUT_CORRUPT' }));
  });

  it('tolerates N/A and missing fields', () => {
    const v = toMediaInfo(probe({ sample_aspect_ratio: '0:1', display_aspect_ratio: '0:1', avg_frame_rate: '0/0', r_frame_rate: '25/1', start_time: 'N/A', nb_frames: 'N/A', time_base: undefined }), '/v', 1).video;
    expect(v).toMatchObject({ sar: { num: 1, den: 1 }, dar: { num: 3, den: 2 }, avgFrameRate: null, fps: 25, startTime: 0, frameCountSource: 'estimated' });
  });
});
