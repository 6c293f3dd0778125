import { describe, expect, it } from 'vitest';
import { frameSeconds, isShowinfoLine, parseShowinfoLine } from '../../src/decode/showinfo.ts';

const frameLine =
  '[Parsed_showinfo_1 @ 0x3ee40e80] [info] n:  12 pts:  12288 pts_time:1.2     pos:    34567 fmt:yuv420p sar:1/1 s:160x120 i:P iskey:0 type:P checksum:983EABA9 plane_checksum:[EFC479C1 F9F2AB67 55BF8672] mean:[111 132 130 ] stdev:[55.9 68.6 77.9 ]';

describe('showinfo lines', () => {
  it('reads a frame line', () => {
    expect(parseShowinfoLine(frameLine)).toEqual({ kind: 'frame', n: 12, pts: 12288, ptsTime: 1.2 });
  });

  it('reads the time base from the config line', () => {
    expect(parseShowinfoLine('[Parsed_showinfo_0 @ 0x1] [info] config in time_base: 1/10240, frame_rate: 10/1')).toEqual({ kind: 'config', timeBase: { num: 1, den: 10240 } });
  });

  it('recognises continuation lines and ignores everything else', () => {
    const extra = '[Parsed_showinfo_1 @ 0x3ee40e80] [info] color_range:unknown color_space:unknown';
    expect(parseShowinfoLine(extra)).toEqual({ kind: 'other' });
    expect(isShowinfoLine(extra)).toBe(true);
    expect(parseShowinfoLine('[h264 @ 0x1] [error] n: 1 pts: 2 pts_time:3')).toBeNull();
  });

  it('handles frames without a timestamp', () => {
    expect(parseShowinfoLine('[Parsed_showinfo_0 @ 0x1] n:   3 pts:NOPTS pts_time:NOPTS pos: -1')).toEqual({ kind: 'frame', n: 3, pts: null, ptsTime: null });
  });

  it('computes seconds exactly from pts and the time base, unless they contradict pts_time', () => {
    const tb = { num: 1, den: 10240 };
    expect(frameSeconds({ pts: 6144, ptsTime: 0.6 }, tb)).toBe(0.6);
    // pts_time has six significant digits; pts × time base has all of them.
    expect(frameSeconds({ pts: 1001 * 12345, ptsTime: 411.912 }, { num: 1, den: 30000 })).toBe((1001 * 12345) / 30000);
    expect(frameSeconds({ pts: 5, ptsTime: 0.2 }, { num: 1, den: 10240 })).toBe(0.2);
    expect(frameSeconds({ pts: null, ptsTime: 0.4 }, tb)).toBe(0.4);
    expect(frameSeconds({ pts: 10240, ptsTime: null }, tb)).toBe(1);
  });
});
