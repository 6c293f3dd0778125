import { describe, expect, it } from 'vitest';
import { containerForPath } from '../../src/encode/containers.ts';
import { planStreams } from '../../src/encode/stream-plan.ts';
import { audio, fakeMedia, subtitle } from './media-fixture.ts';

const mp4 = containerForPath('/o/a.mp4');
const mkv = containerForPath('/o/a.mkv');

describe('planStreams', () => {
  it('maps every audio and subtitle stream in source order, copying what fits', () => {
    const source = fakeMedia({}, { audio: [audio(1, 'aac'), audio(3, 'eac3')], subtitles: [subtitle(2, 'mov_text')] });
    expect(planStreams(source, mp4)).toEqual({
      args: ['-map', '1:1', '-c:a:0', 'copy', '-map', '1:3', '-c:a:1', 'copy', '-map', '1:2', '-c:s:0', 'copy'],
      warnings: [],
      experimental: false,
    });
  });

  it('mov_text into mkv becomes SubRip; ALAC into mp4 becomes FLAC', () => {
    const plan = planStreams(fakeMedia({}, { audio: [audio(1, 'alac')], subtitles: [subtitle(2, 'mov_text', { language: 'eng' })] }), mkv);
    expect(plan.args).toEqual(['-map', '1:1', '-c:a:0', 'copy', '-map', '1:2', '-c:s:0', 'srt']);
    expect(plan.warnings).toEqual([expect.stringMatching(/subtitle stream #2 \(mov_text, eng\) cannot be stored in Matroska \(\.mkv\): converted to SubRip/)]);
    const toMp4 = planStreams(fakeMedia({}, { audio: [audio(1, 'alac')] }), mp4);
    expect(toMp4.args).toEqual(['-map', '1:1', '-c:a:0', 'flac']);
    expect(toMp4.experimental).toBe(true);
  });

  it('text subtitles into AVI are refused with a clear reason', () => {
    expect(() => planStreams(fakeMedia({}, { subtitles: [subtitle(5, 'subrip')] }), containerForPath('/o/a.avi'))).toThrow(/subtitle stream #5 \(subrip\) of \/videos\/in.mp4 cannot be stored in AVI: AVI holds no text subtitles\. Write to \.mkv/);
  });

  it('a stream even Matroska cannot take is refused with advice that fits (remove it, not "use .mkv")', () => {
    const source = fakeMedia({}, { subtitles: [subtitle(7, 'dvb_teletext')] });
    expect(() => planStreams(source, mkv)).toThrow(/subtitle stream #7 \(dvb_teletext\).*not a text format.*Remove that stream from the source first \(ffmpeg -map 0 -map -0:7 -c copy\)/);
  });

  it('warns about data streams it drops, but not the chapter or timecode tracks the muxer writes again', () => {
    const source = fakeMedia({ tags: { timecode: '01:00:00:00' } }, {
      chapters: 2,
      other: [
        { index: 3, type: 'data', codec: 'bin_data', tags: {} },
        { index: 4, type: 'data', codec: null, tags: { timecode: '01:00:00:00' } },
        { index: 5, type: 'data', codec: 'gpmd', tags: {} },
        { index: 6, type: 'attachment', codec: 'ttf', tags: { filename: 'font.ttf' } },
      ],
    });
    expect(planStreams(source, mp4).warnings).toEqual([
      'data stream #5 (gpmd) is not carried over',
      expect.stringMatching(/^attachment #6 \(font\.ttf\) is not carried over: MP4 cannot hold attachments/),
    ]);
    const intoMkv = planStreams(source, mkv);
    expect(intoMkv.args).toEqual(['-map', '1:6']);
    expect(intoMkv.warnings).toEqual(['data stream #5 (gpmd) is not carried over']);
  });
});
