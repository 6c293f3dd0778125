import { describe, expect, it } from 'vitest';
import { chooseFrameRate, videoTiming } from '../../src/encode/timing.ts';
import { InputError } from '../../src/errors.ts';
import { fakeMedia } from './media-fixture.ts';

const FILE = '/videos/in.mp4';

describe('chooseFrameRate', () => {
  it('prefers the exact r_frame_rate where the average agrees with it', () => {
    expect(chooseFrameRate(fakeMedia({ avgFrameRate: { num: 2997, den: 125 } }).video, FILE)).toEqual({ num: 24000, den: 1001 });
  });

  it('takes the average where r_frame_rate is the field rate', () => {
    const video = fakeMedia({ rFrameRate: { num: 60000, den: 1001 }, avgFrameRate: { num: 30000, den: 1001 } }).video;
    expect(chooseFrameRate(video, FILE)).toEqual({ num: 30000, den: 1001 });
  });

  it('a stream without any rate is an InputError naming it', () => {
    const video = fakeMedia({ rFrameRate: null, avgFrameRate: null }).video;
    expect(() => chooseFrameRate(video, FILE)).toThrow(InputError);
    expect(() => chooseFrameRate(video, FILE)).toThrow(/video stream #0 has no frame rate/);
  });
});

describe('videoTiming', () => {
  const free = { freeTimestamps: true };

  it('a clock where frames and source ticks are both whole: mkv 1/1000 at 24000/1001 → 24000', () => {
    const { timing } = videoTiming(fakeMedia({ timeBase: { num: 1, den: 1000 } }).video, FILE, free);
    expect(timing.timescale).toBe(24000);
    expect(timing.timeBase).toEqual({ num: 1001, den: 24000 });
  });

  it('25 fps in 1/12800 keeps 12800; 29.97 in 1/90000 keeps 90000', () => {
    expect(videoTiming(fakeMedia({ rFrameRate: { num: 25, den: 1 }, avgFrameRate: { num: 25, den: 1 }, timeBase: { num: 1, den: 12800 } }).video, FILE, free).timing.timescale).toBe(12800);
    expect(videoTiming(fakeMedia({ rFrameRate: { num: 30000, den: 1001 }, avgFrameRate: { num: 30000, den: 1001 }, timeBase: { num: 1, den: 90000 } }).video, FILE, free).timing.timescale).toBe(90000);
  });

  it('a start of whole frames stays in the frame clock (so muxers know frame durations)', () => {
    const { timing } = videoTiming(fakeMedia({ startTime: 2 * 1001 / 24000 }).video, FILE, free);
    expect(timing.timeBase).toEqual({ num: 1001, den: 24000 });
    expect(timing.startTicks).toBe(2);
  });

  it('a start off the frame grid is exact in the finer clock', () => {
    const { timing } = videoTiming(fakeMedia({ startTime: 1.5 }).video, FILE, free);
    expect(timing.timeBase).toEqual({ num: 1, den: 24000 });
    expect(timing.startTicks).toBe(36000);
  });

  it('an explicit rate and start win over the probe, and silence the variable-rate warning', () => {
    const video = fakeMedia({ vfrLikely: true, rFrameRate: { num: 30, den: 1 }, avgFrameRate: { num: 2500, den: 101 } }).video;
    expect(videoTiming(video, FILE, free).warnings.join()).toMatch(/looks variable-rate/);
    const { timing, warnings } = videoTiming(video, FILE, { ...free, frameRate: { num: 50, den: 2 }, startTime: 0.4 });
    expect(timing.frameRate).toEqual({ num: 25, den: 1 });
    expect(timing.startTicks).toBe(10);
    expect(warnings).toEqual([]);
  });

  it('an excerpt starts at the time of its first frame and lasts its frames', () => {
    const { timing } = videoTiming(fakeMedia({ startTime: 1 }).video, FILE, { ...free, frames: { start: 24, end: 36 }, frameCount: 48 });
    expect(timing.startTicks).toBe(0);
    expect(timing.excerpt?.start).toBeCloseTo(1 + 24 * 1001 / 24000, 9);
    expect(timing.excerpt?.duration).toBeCloseTo(12 * 1001 / 24000, 9);
  });
});
