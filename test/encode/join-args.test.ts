import { describe, expect, it } from 'vitest';
import { buildEncodeArgs } from '../../src/encode/encode-args.ts';
import { buildJoinArgs, concatList } from '../../src/encode/join-args.ts';
import { after, allAfter, audio, fakeMedia, subtitle } from './media-fixture.ts';

describe('chunk encodes and the join', () => {
  it('a chunk is video only, stamped from zero, with closed GOPs for x265', () => {
    const source = fakeMedia({}, { audio: [audio(1, 'aac')], subtitles: [subtitle(2, 'mov_text')], chapters: 2 });
    const { args } = buildEncodeArgs({ source, output: '/jobs/c/chunk-0001.nut', fpsMode: false, codec: 'libx265', frames: { start: 100, end: 200 }, videoOnly: true });
    expect(allAfter(args, '-i')).toEqual(['pipe:0']);
    expect(allAfter(args, '-map')).toEqual(['0:v:0']);
    expect(after(args, '-map_metadata')).toBe('-1');
    expect(args).not.toContain('-copyts');
    expect(args).not.toContain('-ss');
    expect(after(args, '-x265-params')).toBe('log-level=error:open-gop=0');
    expect(after(args, '-vf')).toMatch(/^settb=1001\/24000,setpts=PTS\+0,/);
  });

  it('joins by stream copy, adding the source\'s streams once on its own timeline', () => {
    const source = fakeMedia({ startTime: 1.5 }, { audio: [audio(1, 'aac'), audio(2, 'ac3')], chapters: 1 });
    const { args } = buildJoinArgs({ source, list: '/jobs/c/chunks.ffconcat', output: '/out/final.mp4', codec: 'libx264' });
    expect(allAfter(args, '-i')).toEqual(['file:/jobs/c/chunks.ffconcat', 'file:/videos/in.mp4']);
    // the source's own video start, where a single-run encode puts the first frame too
    expect(after(args, '-itsoffset')).toBe('1.500000');
    expect(args.indexOf('-itsoffset')).toBeLessThan(args.indexOf('-f'));
    expect(after(args, '-safe')).toBe('0');
    expect(allAfter(args, '-map')).toEqual(['0:v:0', '1:1', '1:2']);
    expect(after(args, '-c:v')).toBe('copy');
    expect(args).toContain('-copyts');
    expect(after(args, '-map_chapters')).toBe('1');
    expect(allAfter(args, '-f').at(-1)).toBe('mp4');
  });

  it('the concat list lands every piece on its exact start: durations are differences of rounded times', () => {
    const rate = { num: 30000, den: 1001 };
    const pieces = [0, 1, 2].map((i) => ({ file: `chunk-000${i}.nut`, start: i * 25, end: (i + 1) * 25 }));
    const text = concatList(pieces, rate);
    expect(text.split('\n').slice(0, 3)).toEqual(['ffconcat version 1.0', "file 'chunk-0000.nut'", 'duration 0.834167']);
    const durations = [...text.matchAll(/duration ([\d.]+)/g)].map((m) => Math.round(Number(m[1]) * 1e6));
    // the running sum is each piece's end, rounded once
    expect(durations.reduce((a, b) => a + b, 0)).toBe(Math.round((75 * 1e6 * 1001) / 30000));
    expect(concatList([{ file: "it's.nut", start: 0, end: 1 }], rate)).toContain("file 'it'\\''s.nut'");
  });
});
